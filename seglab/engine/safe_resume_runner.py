"""A ``Runner`` whose resume never executes checkpoint text and falls back past bad files."""
import ast
import os
import os.path as osp
import re
from typing import Any, List, Optional, Tuple

from mmengine.dist import broadcast_object_list, get_rank
from mmengine.runner import Runner

from mmseg.registry import RUNNERS
from seglab.compat.safe_load import UnsafeCheckpointError, safe_torch_load

# The names CheckpointHook's default filename_tmpl writes ('iter_{}.pth' / 'epoch_{}.pth').
NUMBERED_CHECKPOINT = re.compile(r'(iter|epoch)_(\d+)\.pth')
REMOTE_PATH = re.compile(r'[A-Za-z][\w+.-]*://')


class CheckpointNotResumableError(RuntimeError):
    """No checkpoint that ``--resume`` was asked for (or could find) can be resumed."""


def stored_gpu_count(config_text: Any) -> Optional[int]:
    """How many ``gpu_ids`` a checkpoint's stored config lists, read with ``ast`` (never
    executed; ``range(...)`` is counted, not materialised). None if absent or not a plain
    ``gpu_ids = <literal>`` / ``gpu_ids = range(<ints>)`` at the top level."""
    if not isinstance(config_text, str):
        return None
    try:
        tree = ast.parse(config_text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == 'gpu_ids'
                for target in node.targets)):
            continue
        value = node.value
        try:
            if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                    and value.func.id == 'range' and not value.keywords):
                args = [ast.literal_eval(arg) for arg in value.args]
                if not all(type(arg) is int for arg in args):
                    return None
                return len(range(*args))
            return len(ast.literal_eval(value))
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError,
                OverflowError):
            return None
    return None


def checkpoint_problem(path: str) -> Optional[str]:
    """Why ``path`` cannot be resumed from, or None if it loads and holds what resume reads.

    Remote paths (``s3://``, ``https://``, ...) are left to mmengine's loaders unprobed.
    """
    if REMOTE_PATH.match(path):
        return None
    if not osp.isfile(path):
        return 'the file does not exist'
    try:
        checkpoint = safe_torch_load(path, map_location='cpu')
    except UnsafeCheckpointError as err:
        reason = str(err).splitlines()[-1].replace('Refused: ', '', 1)
        return (f'safe loading refused it ({reason}); if you trust the file, pass '
                f'--trust-checkpoint {path}')
    except Exception as err:  # a truncated zip, an empty file, a file that is no pickle
        reason = (str(err).strip().splitlines() or [''])[0]
        return (f'torch could not read it ({type(err).__name__}: {reason}; the file has '
                f'{osp.getsize(path)} bytes)')
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    missing = [key for key in ('state_dict', 'message_hub')
               if not isinstance(checkpoint, dict) or key not in checkpoint]
    missing += [f"meta['{key}']" for key in ('epoch', 'iter')
                if not isinstance(meta, dict) or key not in meta]
    if missing:
        return f'it lacks {", ".join(missing)}, which resuming needs'
    return None


def numbered_checkpoints(folders: List[str]) -> List[str]:
    """``iter_N.pth`` / ``epoch_N.pth`` in ``folders``, by decreasing N."""
    numbered = []
    for folder in dict.fromkeys(osp.realpath(f) for f in folders):
        if osp.isdir(folder):
            for name in os.listdir(folder):
                match = NUMBERED_CHECKPOINT.fullmatch(name)
                if match:
                    numbered.append((int(match.group(2)), osp.join(folder, name)))
    return [path for _, path in sorted(numbered, reverse=True)]


def resume_candidates(work_dir: str) -> List[str]:
    """Checkpoints to try, newest first: the ``last_checkpoint`` pointer's target, then
    ``iter_N.pth`` / ``epoch_N.pth`` beside it and in ``work_dir``, by decreasing N.

    Without a pointer file there are none: as mmengine, auto-resume then trains from
    scratch (files copied into a reused work dir are not resumed by surprise).
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return []
    candidates, folders = [], [work_dir]
    with open(pointer) as f:
        target = f.read().strip()
    if target:
        candidates.append(target)
        folders.append(osp.dirname(target) or '.')
    seen = {osp.realpath(path) for path in candidates}
    for path in numbered_checkpoints(folders):
        if osp.realpath(path) not in seen:
            seen.add(osp.realpath(path))
            candidates.append(path)
    return candidates


@RUNNERS.register_module()
class SafeResumeRunner(Runner):
    """mmengine's ``Runner`` with a resume that is safe against crafted files and bad saves.

    * mmengine's ``resume`` passes ``meta['config']`` of the checkpoint to
      ``Config.fromstring``, which executes it: a file that passes ``weights_only`` (plain
      strings) could still run code. Here the text is withheld from ``resume``; the one thing
      mmengine reads from it, ``gpu_ids`` (to refuse a changed GPU count), is parsed with
      ``ast`` instead, with mmengine's error.
    * Auto-resume (``resume=True`` without ``load_from``) takes the newest checkpoint that
      loads (:func:`resume_candidates`), logging each file it skips and why, instead of failing
      on a deleted, truncated or refused newest file; with nothing loadable among existing
      checkpoints it stops with that list. An explicit file that cannot be resumed is an
      error naming it and the reason. Without a ``last_checkpoint`` pointer it trains from
      scratch, as mmengine does (warning if numbered checkpoints are there).
    * The stored config text in the loaded message hub (``runtime_info['cfg']``) is dropped,
      so a file's text is never re-saved into this run's checkpoints.
    * Under DDP the checkpoint is chosen on rank 0 and broadcast, so all ranks agree.
    * Every metric of the evaluators it builds that writes files (it has
      ``set_run_log_dir``, e.g. ``DetailedIoUMetric``) is given this run's ``log_dir``, the
      folder those files go to unless the metric's config names one.

    ``tools/train.py`` and ``tools/test.py`` build this runner unless the config sets
    ``runner_type``.
    """

    _withhold_stored_config = False
    _skipped_checkpoints: List[str] = []

    def build_evaluator(self, evaluator):
        """mmengine's evaluator, its file-writing metrics given this run's ``log_dir``."""
        evaluator = super().build_evaluator(evaluator)
        for metric in evaluator.metrics:
            if callable(getattr(metric, 'set_run_log_dir', None)):
                metric.set_run_log_dir(self.log_dir)
        return evaluator

    def resume(self,
               filename: str,
               resume_optimizer: bool = True,
               resume_param_scheduler: bool = True,
               map_location: Any = 'default') -> None:
        self._withhold_stored_config = True
        try:
            super().resume(filename, resume_optimizer, resume_param_scheduler, map_location)
        finally:
            self._withhold_stored_config = False

    def load_checkpoint(self,
                        filename: str,
                        map_location: Any = 'cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]) -> dict:
        checkpoint = super().load_checkpoint(filename, map_location, strict, revise_keys)
        meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
        if self._withhold_stored_config and isinstance(meta, dict) and 'config' in meta:
            self._check_stored_world_size(meta.pop('config'))
        hub = checkpoint.get('message_hub') if isinstance(checkpoint, dict) else None
        if self._withhold_stored_config and isinstance(hub, dict):
            # Attacker text must not be re-saved into this run's checkpoints as its config.
            for key in ('runtime_info', 'resumed_keys'):
                if isinstance(hub.get(key), dict):
                    hub[key].pop('cfg', None)
        return checkpoint

    def _check_stored_world_size(self, config_text: Any) -> None:
        """mmengine's GPU-count check on resume, without executing the stored config."""
        gpu_count = stored_gpu_count(config_text)
        if not gpu_count or gpu_count == self._world_size:
            return
        if self.auto_scale_lr is None or not self.auto_scale_lr.get('enable', False):
            raise RuntimeError(
                'Number of GPUs used for current experiment is not consistent with the '
                'checkpoint being resumed from. This will result in poor performance due to '
                'the learning rate. You must set the `auto_scale_lr` parameter for Runner '
                'and make `auto_scale_lr["enable"]=True`.')
        self.logger.info('Number of GPU used for current experiment is not consistent with '
                         'resuming from checkpoint but the learning rate will be adjusted '
                         f'according to the setting in auto_scale_lr={self.auto_scale_lr}')

    def load_or_resume(self) -> None:
        if self._has_loaded or not self._resume:
            return super().load_or_resume()
        # Probed on rank 0 only and broadcast (a no-op without a process group): a probe
        # that fails on one rank only must not send that rank to another checkpoint.
        decision = [self._resume_decision() if get_rank() == 0 else None]
        broadcast_object_list(decision)
        resume_from, error = decision[0]
        if error is not None:
            raise CheckpointNotResumableError(error)
        if resume_from is None:
            return None
        self.resume(resume_from)
        self._has_loaded = True

    def _resume_decision(self) -> Tuple[Optional[str], Optional[str]]:
        """(checkpoint to resume or None for training from scratch, error or None)."""
        if self._load_from is not None:
            problem = checkpoint_problem(self._load_from)
            if problem:
                return None, (f'Cannot resume from {self._load_from!r}: {problem}. `--resume` '
                              f'without a path resumes from the newest loadable checkpoint '
                              f'in the work dir.')
            return self._load_from, None
        try:
            resume_from = self._newest_resumable_checkpoint()
        except CheckpointNotResumableError as err:
            return None, str(err)
        if resume_from is None:
            unpointed = numbered_checkpoints([self.work_dir])
            if unpointed:
                self.logger.warning(
                    f'{self.work_dir} has no last_checkpoint file, so nothing is resumed '
                    f'(as mmengine): training from scratch although it holds '
                    f'{", ".join(unpointed)}. To continue one, pass `--resume <file>`.')
            else:
                self.logger.info(f'No checkpoint to resume in {self.work_dir}: training '
                                 f'from scratch.')
        elif not self._skipped_checkpoints:
            self.logger.info(f'Auto resumed from the latest checkpoint {resume_from}.')
        else:
            self.logger.warning(
                f'Auto resumed from {resume_from}, the newest checkpoint that loads '
                f'(skipped {len(self._skipped_checkpoints)}, see above).')
        return resume_from, None

    def _newest_resumable_checkpoint(self) -> Optional[str]:
        self._skipped_checkpoints = skipped = []
        for path in resume_candidates(self.work_dir):
            problem = checkpoint_problem(path)
            if problem is None:
                return path
            skipped.append(f'{path}: {problem}')
            self.logger.warning(f'Skipping checkpoint {path}: {problem}.')
        if skipped:
            raise CheckpointNotResumableError(
                f'None of the checkpoints in {self.work_dir} can be resumed:\n  '
                + '\n  '.join(skipped) + '\nDelete them (or start in a new --work-dir) to '
                'train from scratch.')
        return None
