"""``--resume`` never executes checkpoint text and falls back past files it cannot load."""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys
import uuid

import pytest
import torch
from mmengine.config import Config

import seglab  # noqa: F401
from seglab.compat import safe_torch_load
from seglab.compat.safe_load import TRUST_ENV
from seglab.engine import CheckpointNotResumableError, SafeResumeRunner
from seglab.engine.safe_resume_runner import stored_gpu_count

from helpers import REPO, SMOKE_CONFIG



def smoke_cfg(voc_root, work_dir, max_iters=4, **updates):
    cfg = Config.fromfile(SMOKE_CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = voc_root
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_iters = max_iters
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    # A logger of its own: runners started within the same second would share one by name.
    cfg.experiment_name = f'resume_safety_{uuid.uuid4().hex}'
    cfg.update(updates)
    return cfg


@pytest.fixture(scope='module')
def trained(synthetic_voc_root, tmp_path_factory):
    """A work dir with iter_2.pth and iter_4.pth, the pointer naming iter_4."""
    work_dir = tmp_path_factory.mktemp('trained')
    SafeResumeRunner.from_cfg(smoke_cfg(synthetic_voc_root, work_dir)).train()
    assert set(os.listdir(work_dir)) >= {'iter_2.pth', 'iter_4.pth', 'last_checkpoint'}
    return str(work_dir)


@pytest.fixture
def work_dir(trained, tmp_path):
    """A private copy of ``trained`` (the pointer rewritten to the copy)."""
    copy = str(tmp_path / 'work')
    shutil.copytree(trained, copy, ignore=shutil.ignore_patterns('2*'))  # not the old logs
    with open(osp.join(copy, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(copy, 'iter_4.pth'))
    return copy


@pytest.fixture(autouse=True)
def no_trusted_files(monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)


def resumed_runner(voc_root, work_dir, load_from=None):
    """A runner that has run its resume step (no training); returns (runner, log text)."""
    runner = SafeResumeRunner.from_cfg(
        smoke_cfg(voc_root, work_dir, resume=True, load_from=load_from))
    try:
        runner.load_or_resume()
    finally:
        logs = sorted(glob.glob(osp.join(runner.log_dir, '*.log')))
    with open(logs[-1]) as f:
        return runner, f.read()


def with_stored_config(path, text):
    checkpoint = safe_torch_load(path)
    checkpoint['meta']['config'] = text
    torch.save(checkpoint, path)


def code_writing(marker):
    return f"import os\nos.makedirs({str(marker)!r})\nmodel = dict(type='X')\n"


@pytest.mark.parametrize('explicit', [True, False], ids=['resume-FILE', 'auto-resume'])
def test_resume_does_not_execute_the_stored_config(synthetic_voc_root, work_dir, tmp_path,
                                                   explicit):
    marker = tmp_path / 'the_config_ran'
    path = osp.join(work_dir, 'iter_4.pth')
    with_stored_config(path, code_writing(marker))
    runner, _ = resumed_runner(synthetic_voc_root, work_dir, load_from=path if explicit else None)
    assert not marker.exists()
    assert runner.iter == 4  # and the resume itself happened


def test_resume_keeps_mmengine_gpu_count_check(synthetic_voc_root, work_dir):
    path = osp.join(work_dir, 'iter_4.pth')
    with_stored_config(path, 'gpu_ids = range(0, 2)\n')  # 2 GPUs then, 1 process now
    with pytest.raises(RuntimeError, match='Number of GPUs used for current experiment'):
        resumed_runner(synthetic_voc_root, work_dir, load_from=path)
    with_stored_config(path, 'gpu_ids = [0]\n')
    assert resumed_runner(synthetic_voc_root, work_dir, load_from=path)[0].iter == 4


def test_stored_gpu_ids_are_parsed_not_evaluated(tmp_path):
    marker = tmp_path / 'ran'
    assert stored_gpu_count('a = 1\ngpu_ids = [0, 1, 2]\n') == 3
    assert stored_gpu_count('gpu_ids = range(4)') == 4
    assert stored_gpu_count('gpu_ids = range(1, 9, 3)') == len(range(1, 9, 3)) == 3
    assert stored_gpu_count(code_writing(marker) + 'gpu_ids = [0]') == 1
    assert stored_gpu_count(f'gpu_ids = __import__("os").makedirs({str(marker)!r})') is None
    assert stored_gpu_count('gpu_ids = [') is None and stored_gpu_count(b'gpu_ids=[0]') is None
    assert stored_gpu_count('gpu_ids = range(0.5)') is None
    assert not marker.exists()


def test_stored_gpu_range_is_counted_not_built():
    """A crafted ``range(10**18)`` would be a list of 10**18 ints; the count is immediate."""
    assert stored_gpu_count('gpu_ids = range(10**18)') is None  # not a literal: absent
    assert stored_gpu_count(f'gpu_ids = range({10**18})') == 10**18


@pytest.mark.slow
def test_tools_train_auto_resume_does_not_execute_the_stored_config(synthetic_voc_root,
                                                                   work_dir, tmp_path):
    marker = tmp_path / 'the_config_ran'
    with_stored_config(osp.join(work_dir, 'iter_4.pth'), code_writing(marker))
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop(TRUST_ENV, None)
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'), SMOKE_CONFIG, '--work-dir',
         work_dir, '--resume', '--cfg-options', 'train_cfg.max_iters=4',
         *[f'{loader}.dataset.data_root={synthetic_voc_root}'
           for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]],
        env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'resumed epoch: 0, iter: 4' in proc.stdout + proc.stderr
    assert not marker.exists()


def test_auto_resume_skips_a_truncated_newest_checkpoint(synthetic_voc_root, work_dir):
    newest = osp.join(work_dir, 'iter_4.pth')
    with open(newest, 'r+b') as f:
        f.truncate(os.path.getsize(newest) // 2)
    runner, log = resumed_runner(synthetic_voc_root, work_dir)
    assert runner.iter == 2
    assert (f'Skipping checkpoint {newest}: torch could not read it (RuntimeError: '
            f'PytorchStreamReader failed reading zip archive') in log
    assert f'the file has {osp.getsize(newest)} bytes' in log
    assert f'Auto resumed from {osp.join(work_dir, "iter_2.pth")}, the newest checkpoint ' \
           f'that loads (skipped 1, see above)' in log


def test_auto_resume_skips_a_deleted_pointer_target(synthetic_voc_root, work_dir):
    os.remove(osp.join(work_dir, 'iter_4.pth'))
    runner, log = resumed_runner(synthetic_voc_root, work_dir)
    assert runner.iter == 2
    assert f'Skipping checkpoint {osp.join(work_dir, "iter_4.pth")}: the file does not ' \
           f'exist' in log


def test_auto_resume_skips_a_refused_checkpoint(synthetic_voc_root, work_dir, tmp_path):
    marker = tmp_path / 'pwned'
    newest = osp.join(work_dir, 'iter_4.pth')
    torch.save({'meta': {'iter': 4, 'epoch': 0}, 'payload': CodeRunningPayload(marker)},
               newest)
    runner, log = resumed_runner(synthetic_voc_root, work_dir)
    assert runner.iter == 2 and not marker.exists()
    assert f'Skipping checkpoint {newest}: safe loading refused it (Trying to load ' \
           f'unsupported GLOBAL posix.system' in log
    assert f'if you trust the file, pass --trust-checkpoint {newest}' in log


def test_auto_resume_without_pointer_trains_from_scratch_and_says_so(synthetic_voc_root,
                                                                     work_dir):
    """As mmengine: numbered files without a last_checkpoint pointer are not resumed."""
    os.remove(osp.join(work_dir, 'last_checkpoint'))
    runner, log = resumed_runner(synthetic_voc_root, work_dir)
    assert runner.iter == 0
    files = ', '.join(osp.join(work_dir, f'iter_{n}.pth') for n in (4, 2))
    assert f'{work_dir} has no last_checkpoint file, so nothing is resumed (as mmengine): ' \
           f'training from scratch although it holds {files}. To continue one, pass ' \
           f'`--resume <file>`.' in log


def test_stored_config_text_is_dropped_from_the_resumed_message_hub(synthetic_voc_root,
                                                                    work_dir):
    path = osp.join(work_dir, 'iter_4.pth')
    checkpoint = safe_torch_load(path)
    checkpoint['message_hub']['runtime_info']['cfg'] = "import os\nos.system('x')\n"
    checkpoint['message_hub']['resumed_keys']['cfg'] = True
    torch.save(checkpoint, path)
    runner, _ = resumed_runner(synthetic_voc_root, work_dir)
    assert runner.iter == 4
    assert runner.message_hub.get_info('cfg') is None
    assert 'cfg' not in runner.message_hub.state_dict()['resumed_keys']


def test_only_rank_0_probes_and_every_rank_takes_its_choice(synthetic_voc_root, work_dir,
                                                           monkeypatch):
    """A rank other than 0 neither probes nor decides: it resumes what rank 0 broadcast."""
    from seglab.engine import safe_resume_runner as module
    chosen = osp.join(work_dir, 'iter_2.pth')

    def broadcast(data):  # what rank 0 sends
        data[0] = (chosen, None)

    def no_probe(path):
        raise AssertionError(f'rank 1 probed {path}')

    monkeypatch.setattr(module, 'get_rank', lambda: 1)
    monkeypatch.setattr(module, 'broadcast_object_list', broadcast)
    monkeypatch.setattr(module, 'checkpoint_problem', no_probe)
    runner, _ = resumed_runner(synthetic_voc_root, work_dir)
    assert runner.iter == 2  # not iter_4, the newest, which rank 1 would have picked


def test_auto_resume_with_nothing_loadable_stops_and_lists_the_files(synthetic_voc_root,
                                                                     work_dir):
    for name in ('iter_2.pth', 'iter_4.pth'):
        with open(osp.join(work_dir, name), 'wb') as f:
            f.write(b'')
    with pytest.raises(CheckpointNotResumableError) as excinfo:
        resumed_runner(synthetic_voc_root, work_dir)
    message = str(excinfo.value)
    assert message.startswith(f'None of the checkpoints in {work_dir} can be resumed:')
    for name in ('iter_4.pth', 'iter_2.pth'):
        assert f'{osp.join(work_dir, name)}: torch could not read it' in message
    assert 'the file has 0 bytes' in message


def test_auto_resume_in_an_empty_work_dir_trains_from_scratch(synthetic_voc_root, tmp_path):
    runner, log = resumed_runner(synthetic_voc_root, tmp_path / 'fresh')
    assert runner.iter == 0
    assert 'No checkpoint to resume' in log


def test_explicit_resume_of_an_unloadable_file_is_an_error(synthetic_voc_root, work_dir):
    path = osp.join(work_dir, 'iter_4.pth')
    with open(path, 'r+b') as f:
        f.truncate(100)
    with pytest.raises(CheckpointNotResumableError) as excinfo:
        resumed_runner(synthetic_voc_root, work_dir, load_from=path)
    assert str(excinfo.value).startswith(
        f"Cannot resume from {path!r}: torch could not read it (RuntimeError: "
        f"PytorchStreamReader failed reading zip archive")
    missing = osp.join(work_dir, 'gone.pth')
    with pytest.raises(CheckpointNotResumableError,
                       match=f"Cannot resume from '{missing}': the file does not exist"):
        resumed_runner(synthetic_voc_root, work_dir, load_from=missing)


def test_stale_temporaries_are_removed_before_training(synthetic_voc_root, work_dir):
    stale = ['.iter_6.pth.k3j_9x0a.tmp', '.last_checkpoint.0123abcd.tmp']
    kept = ['notes.tmp', '.iter_6.pth.tmp', 'iter_6.pth.k3j_9x0a.tmp']
    for name in stale + kept:
        with open(osp.join(work_dir, name), 'wb') as f:
            f.write(b'partial')
    runner = SafeResumeRunner.from_cfg(
        smoke_cfg(synthetic_voc_root, work_dir, resume=True))
    runner.train()  # resumes at iteration 4 of 4: only the hooks run
    names = os.listdir(work_dir)
    assert not set(stale) & set(names) and set(kept) <= set(names)
    with open(glob.glob(osp.join(runner.log_dir, '*.log'))[0]) as f:
        log = f.read()
    for name in stale:
        assert f'Removed {osp.join(work_dir, name)}, left by an interrupted atomic write.' in log


def test_auto_resume_skips_a_file_without_training_state(synthetic_voc_root, work_dir):
    newest = osp.join(work_dir, 'iter_4.pth')
    torch.save({'state_dict': safe_torch_load(newest)['state_dict']}, newest)  # weights only
    runner, log = resumed_runner(synthetic_voc_root, work_dir)
    assert runner.iter == 2
    assert f"Skipping checkpoint {newest}: it lacks message_hub, meta['epoch'], meta['iter'], " \
           f"which resuming needs." in log


class CodeRunningPayload:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))
