"""Run an arms x seeds grid of trainings, one at a time, skipping finished runs and resuming
interrupted ones (the library behind ``tools/analysis_tools/ablation.py --seeds``).

Every (arm, seed) trains with ``tools/train.py CONFIG --work-dir ROOT/<arm>/seed<S>
--cfg-options ... randomness.seed=S`` in a subprocess, its output appended to
``ROOT/<arm>/seed<S>/train_output.log``. Nothing but ``randomness.seed`` differs between the
seeds of an arm (``randomness.deterministic`` and the rest stay as the config says).

States, decided from the work dir:

* ``skipped``: ``ablation_run.json`` exists (written after a run finished and was read
  back); its config, options, seed and ``--amp`` must match the current command, else the
  runner stops rather than mix two protocols in one folder. A config inside the repository
  is recorded by its path relative to the repository root, so a moved clone or another
  checkout recognises its finished runs (files holding an absolute path still match when
  that path lies in this repository);
* ``resumed``: a ``last_checkpoint`` pointer exists: ``--resume`` continues from it, and
  seglab's exact resume reaches the same weights and metrics as an uninterrupted run. The
  settings a run started with are kept in ``ablation_pending.json`` and must match too;
* ``done``: trained from scratch;
* ``busy``: another runner holds the folder's lock (:mod:`.run_lock`) and trains it now; the
  job is left to it and the grid goes on, so two runners started on one queue share it
  instead of training one seed twice into the same folder.

Final metrics: mmengine's train loops validate after the last iteration/epoch whenever a
validation loop is configured, so the last validation is the final checkpoint's; a config
without validation gets ``tools/test.py`` on the last checkpoint (a ``test`` evaluation,
shown as such in the split column of the tables).

Every job's settings are checked against its folder before the first training starts.
"""
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence

from . import run_lock
from .run_results import load_run

STATE_FILE = 'ablation_run.json'
PENDING_FILE = 'ablation_pending.json'
LOG_FILE = 'train_output.log'
# The checkout this package lives in: the tools put their own checkout first on sys.path.
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def config_identity(config: str) -> str:
    """How a run's config is recorded: relative to :data:`REPO_ROOT` (``/`` separators) when
    the file lies inside it, else its absolute path. A relative ``config`` is taken from the
    working directory, as ``tools/train.py`` reads it."""
    path = osp.realpath(config)
    root = osp.realpath(REPO_ROOT)
    if osp.commonpath([path, root]) == root:
        return osp.relpath(path, root).replace(os.sep, '/')
    return path


def _recorded_config(recorded: str) -> str:
    """A recorded config path in today's form: relative paths are the repository's; an
    absolute one (older files) becomes relative when it lies in this repository."""
    if not isinstance(recorded, str):
        return recorded
    return config_identity(recorded if osp.isabs(recorded) else osp.join(REPO_ROOT, recorded))


@dataclass
class SeedJob:
    arm: str
    seed: int
    config: str
    work_dir: str
    options: List[str] = field(default_factory=list)

    def identity(self, amp: bool = False) -> dict:
        return dict(config=config_identity(self.config), seed=self.seed,
                    options=self.options, amp=amp)


def plan(configs: Sequence[str], seeds: Sequence[int], root: str,
         cfg_options: Sequence[str] = (), variants: Sequence[tuple] = ()) -> List[SeedJob]:
    """Jobs in run order (arm-major): ``ROOT/<arm>/seed<S>``. Arms are the config stems,
    the variant names (one config) or ``<stem>_<variant>``."""
    if any(o.split('=', 1)[0] == 'randomness.seed' for o in cfg_options):
        raise ValueError('--cfg-options sets randomness.seed: the runner sets it from --seeds')
    jobs = []
    for config in configs:
        stem = osp.splitext(osp.basename(config))[0]
        for vname, voptions in (variants or [(None, '')]):
            arm = stem if vname is None else vname if len(configs) == 1 else f'{stem}_{vname}'
            for seed in seeds:
                jobs.append(SeedJob(arm, int(seed), config, osp.join(root, arm, f'seed{seed}'),
                                    list(cfg_options) + shlex.split(voptions)))
    arms = list(dict.fromkeys(j.arm for j in jobs))
    if len(arms) * len(seeds) != len(jobs) or len(set(seeds)) != len(seeds):
        raise ValueError(f'arm names {arms} or seeds {list(seeds)} are not unique')
    return jobs


def _check_identity(job: SeedJob, amp: bool, path: str, what: str) -> None:
    with open(path) as f:
        recorded = json.load(f)
    recorded.setdefault('amp', False)  # written before the runner recorded --amp
    recorded['config'] = _recorded_config(recorded.get('config'))
    want = job.identity(amp)
    if {k: recorded.get(k) for k in want} != want:
        differ = {k: (recorded.get(k), v) for k, v in want.items() if recorded.get(k) != v}
        raise SystemExit(f'{job.work_dir} holds {what} with other settings ({path}: '
                         f'(recorded, now) = {differ}); use another --work-dir or delete '
                         'that folder')


def state_of(job: SeedJob, amp: bool = False) -> str:
    """``skipped``, ``resumed`` or ``new``; raises if a finished or started run had other
    settings (config, options, seed, ``--amp``)."""
    state_file = osp.join(job.work_dir, STATE_FILE)
    if osp.isfile(state_file):
        _check_identity(job, amp, state_file, 'a finished run')
        return 'skipped'
    pending = osp.join(job.work_dir, PENDING_FILE)
    if osp.isfile(pending):
        _check_identity(job, amp, pending, 'an unfinished run')
    return 'resumed' if osp.isfile(osp.join(job.work_dir, 'last_checkpoint')) else 'new'


def train_argv(job: SeedJob, repo: str, resume: bool, amp: bool = False) -> List[str]:
    argv = [sys.executable, osp.join(repo, 'tools', 'train.py'), job.config,
            '--work-dir', job.work_dir]
    if resume:
        argv.append('--resume')
    if amp:
        argv.append('--amp')
    return argv + ['--cfg-options', *job.options, f'randomness.seed={job.seed}']


def eval_argv(job: SeedJob, repo: str, checkpoint: str, amp: bool = False) -> List[str]:
    """``tools/test.py`` on ``checkpoint`` with the training's cfg-options. tools/test.py has
    no ``--amp``: an AMP run's wrapper type is passed as an option, so that its test runs
    under the same autocast (``autocast_eval_loops``)."""
    options = list(job.options) + [f'randomness.seed={job.seed}']
    if amp:
        options.append('optim_wrapper.type=CPUAwareAmpOptimWrapper')
    return [sys.executable, osp.join(repo, 'tools', 'test.py'), job.config, checkpoint,
            '--work-dir', job.work_dir, '--cfg-options', *options]


def _run_logged(argv: List[str], work_dir: str) -> int:
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, LOG_FILE), 'a') as log:
        log.write('$ ' + shlex.join(argv) + '\n')
        log.flush()
        return subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT).returncode


def _final_checkpoint(work_dir: str) -> Optional[str]:
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        path = f.read().strip()
    return path or None


def run_grid(jobs: Sequence[SeedJob], repo: str, amp: bool = False, dry_run: bool = False,
             echo: Callable[[str], None] = print) -> List[dict]:
    """Run the jobs one at a time; returns one record per job (``status``, ``wall_s``,
    ``mIoU``, ``step``). A failed training is reported and the grid goes on."""
    records, walls, start = [], [], time.time()
    for job in jobs:  # refuse mixed settings before anything trains
        state_of(job, amp)
    for index, job in enumerate(jobs, 1):
        tag = f'[{index}/{len(jobs)}] {job.arm} seed{job.seed}'
        state = state_of(job, amp)
        if dry_run:
            echo(f'{tag}: {"finished, would skip" if state == "skipped" else state}')
            echo('  ' + shlex.join(train_argv(job, repo, resume=state == 'resumed', amp=amp)))
            records.append(dict(arm=job.arm, seed=job.seed, status='dry-run'))
            continue
        if state == 'skipped':
            record = _read_back(job, dict(arm=job.arm, seed=job.seed, status=state), tag, echo)
        else:
            lock, holder = run_lock.acquire(job.work_dir)
            if lock is None:
                echo(f'{tag}: being trained by another runner ({holder}); left to it')
                records.append(dict(arm=job.arm, seed=job.seed, status='busy'))
                continue
            try:
                record = _train(job, repo, amp, tag, echo)
            finally:
                run_lock.release(lock)
            if record['status'] in ('done', 'resumed'):
                walls.append(record['wall_s'])
        records.append(record)
        if record['status'] == 'failed':
            continue
        miou = 'n/a' if record['mIoU'] is None else f'{record["mIoU"]:.2f}'
        echo(f'{tag}: {record["status"]}'
             + (' (finished earlier)' if record['status'] == 'skipped'
                else f' in {record["wall_s"]:.1f} s')
             + f', final mIoU {miou} at iteration {record["step"]}')
        remaining = sum(state_of(j, amp) != 'skipped' for j in jobs[index:])
        eta = (f'ETA {sum(walls) / len(walls) * remaining:.0f} s' if walls and remaining
               else 'ETA 0 s' if not remaining else 'ETA unknown')
        echo(f'progress: {index}/{len(jobs)} runs, elapsed {time.time() - start:.0f} s, {eta}')
    return records


def _train(job: SeedJob, repo: str, amp: bool, tag: str, echo: Callable[[str], None]) -> dict:
    """Train (or resume) one job under its lock and write its finished marker."""
    state = state_of(job, amp)  # a runner that held the lock may have finished it meanwhile
    record = dict(arm=job.arm, seed=job.seed, status=state, wall_s=0.0)
    if state == 'skipped':
        return _read_back(job, record, tag, echo)
    t0 = time.time()
    with open(osp.join(job.work_dir, PENDING_FILE), 'w') as f:
        json.dump(job.identity(amp), f, indent=2)
    code = _run_logged(train_argv(job, repo, resume=state == 'resumed', amp=amp), job.work_dir)
    if code == 0:
        code = _evaluate_if_needed(job, repo, amp)
    record['wall_s'] = time.time() - t0
    if code != 0:
        echo(f'{tag}: FAILED (exit {code}) after {record["wall_s"]:.1f} s; see '
             f'{osp.join(job.work_dir, LOG_FILE)}')
        return dict(record, status='failed')
    record = _read_back(job, dict(record, status='done' if state == 'new' else 'resumed'),
                        tag, echo)
    if record['status'] != 'failed':
        with open(osp.join(job.work_dir, STATE_FILE), 'w') as f:
            json.dump(dict(job.identity(amp), wall_s=record['wall_s'], mIoU=record['mIoU'],
                           step=record['step'], arm=job.arm), f, indent=2)
        os.remove(osp.join(job.work_dir, PENDING_FILE))
    return record


def _read_back(job: SeedJob, record: dict, tag: str, echo: Callable[[str], None]) -> dict:
    """``record`` with the run's final mIoU and step, or marked failed if it has none."""
    try:
        run = load_run(job.work_dir)
    except FileNotFoundError as err:
        echo(f'{tag}: FAILED: {err}')
        return dict(record, status='failed')
    return dict(record, mIoU=run.summary.get('mIoU'), step=run.step)


def _evaluate_if_needed(job: SeedJob, repo: str, amp: bool = False) -> int:
    """``tools/test.py`` on the last checkpoint when the training logged no evaluation."""
    try:
        load_run(job.work_dir)
        return 0
    except FileNotFoundError:
        pass
    ckpt = _final_checkpoint(job.work_dir)
    if ckpt is None:
        return 1
    return _run_logged(eval_argv(job, repo, ckpt, amp), job.work_dir)
