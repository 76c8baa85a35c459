"""Crash-safe, exact resume: kill -9 a training run, --resume it, reach the same weights."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

from seglab.compat import safe_torch_load

from helpers import REPO, SMOKE_CONFIG, tool_env, train_from_cfg



def data_root_options(voc_root):
    return [f'{loader}.dataset.data_root={voc_root}'
            for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]


def train_command(voc_root, work_dir, *extra, options=()):
    return [sys.executable, osp.join(REPO, 'tools', 'train.py'), SMOKE_CONFIG,
            '--work-dir', str(work_dir), *extra, '--cfg-options',
            *data_root_options(voc_root), *options]


def child_env():
    return tool_env(PYTHONHASHSEED='0')


def run_train(voc_root, work_dir, *extra, options=(), timeout=180):
    proc = subprocess.run(train_command(voc_root, work_dir, *extra, options=options),
                          env=child_env(), capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def last_checkpoint(work_dir):
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        return f.read().strip() or None


def checkpoint_iter(path):
    return int(osp.basename(path).split('_')[1].split('.')[0])


def kill_after_checkpoint(voc_root, work_dir, min_iter, options=(), timeout=180):
    """Start a training run and SIGKILL it once a checkpoint of >= ``min_iter`` is pointed to.

    Returns the iteration the pointer named at the moment of the kill.
    """
    proc = subprocess.Popen(train_command(voc_root, work_dir, options=options), env=child_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            ckpt = last_checkpoint(work_dir)
            if ckpt and checkpoint_iter(ckpt) >= min_iter:
                os.kill(proc.pid, signal.SIGKILL)
                break
            if proc.poll() is not None:
                pytest.fail(f'training ended before the kill: {proc.stderr.read()[-3000:]}')
            time.sleep(0.02)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    return checkpoint_iter(last_checkpoint(work_dir))


def final_state(work_dir, name='iter_8.pth'):
    ckpt = safe_torch_load(osp.join(work_dir, name), map_location='cpu')
    return ckpt['state_dict'], ckpt['meta']


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f'{len(different)} tensors differ, e.g. {different[:3]}'


@pytest.fixture(scope='module')
def reference_run(synthetic_voc_root, tmp_path_factory):
    """An uninterrupted 8-iteration run."""
    work_dir = tmp_path_factory.mktemp('reference')
    run_train(synthetic_voc_root, work_dir)
    return str(work_dir)


def test_kill_then_resume_matches_uninterrupted_run(synthetic_voc_root, reference_run,
                                                    tmp_path):
    work_dir = str(tmp_path / 'killed')
    killed_at = kill_after_checkpoint(synthetic_voc_root, work_dir, min_iter=2)
    assert not osp.exists(osp.join(work_dir, 'iter_8.pth')), 'the kill came too late'
    log = run_train(synthetic_voc_root, work_dir, '--resume')
    # mmengine logs the resume point and replays the data it had already consumed.
    assert f'resumed epoch: 0, iter: {killed_at}' in log
    assert f'Advance dataloader {killed_at} steps' in log
    resumed, meta = final_state(work_dir)
    reference, reference_meta = final_state(reference_run)
    assert meta['iter'] == reference_meta['iter'] == 8
    assert_same_weights(resumed, reference)
    # Training moves the weights, so equality above is not vacuous.
    earlier, _ = final_state(reference_run, 'iter_6.pth')
    assert any(not torch.equal(earlier[k], reference[k]) for k in reference)


@pytest.mark.slow
def test_resume_without_rng_state_diverges(synthetic_voc_root, reference_run, tmp_path):
    """Negative control: without RNGStateHook the augmentation/dropout stream differs."""
    work_dir = str(tmp_path / 'no_rng')
    no_rng = ['custom_hooks=[]']
    run_train(synthetic_voc_root, work_dir, options=no_rng + ['train_cfg.max_iters=4'])
    run_train(synthetic_voc_root, work_dir, '--resume', options=no_rng)
    resumed, _ = final_state(work_dir)
    reference, _ = final_state(reference_run)
    assert any(not torch.equal(resumed[k], reference[k]) for k in reference)


def _epoch_cfg(voc_root, work_dir, max_epochs, num_workers=0):
    from mmengine.config import Config
    cfg = Config.fromfile(SMOKE_CONFIG)
    # Non-persistent workers restart every epoch from mmengine's fixed per-worker seeds.
    cfg.train_dataloader.num_workers = num_workers
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = voc_root
    cfg.train_dataloader.sampler = dict(type='DefaultSampler', shuffle=True)
    cfg.train_dataloader.dataset.indices = 8  # 4 iterations per epoch
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=100)
    cfg.default_hooks.checkpoint = dict(type='AtomicCheckpointHook', by_epoch=True, interval=1)
    cfg.log_processor = dict(by_epoch=True)
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
    cfg.work_dir = work_dir
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    return cfg


@pytest.mark.parametrize('num_workers', [0, pytest.param(2, marks=pytest.mark.slow)])
def test_epoch_based_resume_matches_uninterrupted_run(synthetic_voc_root, tmp_path,
                                                      num_workers):
    full = str(tmp_path / 'full')
    train_from_cfg(_epoch_cfg(synthetic_voc_root, full, 2, num_workers))
    part = str(tmp_path / 'part')
    train_from_cfg(_epoch_cfg(synthetic_voc_root, part, 1, num_workers))  # epoch_1.pth
    runner = train_from_cfg(_epoch_cfg(synthetic_voc_root, part, 2, num_workers),
                            resume=True)
    assert runner.epoch == 2
    resumed, meta = final_state(part, 'epoch_2.pth')
    reference, _ = final_state(full, 'epoch_2.pth')
    assert meta['epoch'] == 2
    assert_same_weights(resumed, reference)
