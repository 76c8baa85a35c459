"""Atomic checkpoint writes: a failure mid-save never replaces or prunes a good checkpoint."""
import os
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import seglab  # noqa: F401
from seglab.compat import safe_torch_load
from seglab.engine import atomic_backend
from seglab.engine.atomic_backend import atomic_write_bytes

from helpers import REPO, SMOKE_CONFIG



def test_atomic_write_keeps_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / 'ckpt.pth'
    atomic_write_bytes(b'old complete file', target)

    def crash(fd):
        raise KeyboardInterrupt  # stands in for the process dying mid-write

    monkeypatch.setattr(atomic_backend.os, 'fsync', crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(b'new half', target)
    assert target.read_bytes() == b'old complete file'
    assert os.listdir(tmp_path) == ['ckpt.pth']  # the temporary file is gone


def test_failed_save_neither_moves_pointer_nor_prunes(synthetic_voc_root, tmp_path,
                                                      monkeypatch):
    cfg = Config.fromfile(SMOKE_CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = synthetic_voc_root
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg.max_iters = 4
    cfg.default_hooks.checkpoint.max_keep_ckpts = 1
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    real_put = atomic_backend.AtomicLocalBackend.put

    def put(self, obj, filepath):
        if str(filepath).endswith('iter_4.pth'):
            raise OSError('disk full')  # the save of iteration 4 dies
        return real_put(self, obj, filepath)

    monkeypatch.setattr(atomic_backend.AtomicLocalBackend, 'put', put)
    with pytest.raises(OSError, match='disk full'):
        runner.train()
    with open(tmp_path / 'last_checkpoint') as f:
        pointer = f.read().strip()
    assert pointer.endswith('iter_2.pth')  # the pointer never named the failed file
    assert safe_torch_load(pointer)['meta']['iter'] == 2  # and its target was not pruned
    assert not osp.exists(tmp_path / 'iter_4.pth')
    assert not [n for n in os.listdir(tmp_path) if n.endswith('.tmp')]


def test_default_runtime_keeps_the_resume_and_safety_hooks():
    # The checkpoint hook follows the loop: the schedules set it (tests/configs/test_schedules.py).
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'default_runtime.py'))
    assert {h['type'] for h in cfg.custom_hooks} >= {'RNGStateHook', 'ClassNumberCheckHook',
                                                     'NonFiniteLossHook'}


@pytest.mark.parametrize('umask', [0o022, 0o027, 0o077], ids=oct)
def test_atomic_write_follows_the_umask(tmp_path, umask):
    """Like mmengine's open(path, 'wb'): 0666 minus the umask (mkstemp would force 0600)."""
    old = os.umask(umask)
    try:
        atomic_write_bytes(b'checkpoint', tmp_path / 'new.pth')
        target = tmp_path / 'existing.pth'
        target.write_bytes(b'old')
        atomic_write_bytes(b'checkpoint', target)
    finally:
        os.umask(old)
    for name in ('new.pth', 'existing.pth'):
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o666 & ~umask, name
