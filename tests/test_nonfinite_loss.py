"""NonFiniteLossHook: NaN/Inf loss terms stop training (fp32) or skip steps (AMP-style)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from torch import nn

import seglab  # noqa: F401
from mmseg.registry import HOOKS, MODELS
from seglab.engine import NonFiniteLossError, NonFiniteLossHook

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SMOKE_CONFIG = osp.join(REPO, 'configs', 'quickstart', 'unet-w8_1xb2-8it_synthvoc-64x64.py')


@MODELS.register_module(force=True)
class TrapLossForTest(nn.Module):
    """Zero-valued loss term that turns NaN (or Inf) on the listed calls (1-based)."""

    def __init__(self, bad_calls=(), value=float('nan'), loss_name='loss_trap', **kwargs):
        super().__init__()
        self.bad_calls = set(bad_calls)
        self.value = value
        self._loss_name = loss_name
        self.calls = 0

    def forward(self, seg_logits, seg_label, **kwargs):
        self.calls += 1
        loss = seg_logits.sum() * 0
        return loss + self.value if self.calls in self.bad_calls else loss

    @property
    def loss_name(self):
        return self._loss_name


@HOOKS.register_module(force=True)
class ParamSnapshotHookForTest(Hook):
    """Copies of the trainable parameters after every iteration."""

    def __init__(self):
        self.snapshots = {}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = runner.model
        self.snapshots[runner.iter + 1] = [p.detach().clone() for p in model.parameters()]


def build_runner(voc_root, work_dir, bad_calls, value=float('nan'), **hook_args):
    cfg = Config.fromfile(SMOKE_CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = voc_root
    cfg.work_dir = str(work_dir)
    cfg.model.decode_head.loss_decode = [
        dict(type='CrossEntropyLoss', loss_name='loss_ce'),
        dict(type='TrapLossForTest', bad_calls=bad_calls, value=value),
    ]
    cfg.custom_hooks = [dict(type='NonFiniteLossHook', **hook_args),
                        dict(type='ParamSnapshotHookForTest')]
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.max_iters = 4
    return Runner.from_cfg(cfg)


def snapshot_hook(runner):
    return next(h for h in runner.hooks if type(h).__name__ == 'ParamSnapshotHookForTest')


def test_nan_term_stops_training_before_the_step(synthetic_voc_root, tmp_path):
    runner = build_runner(synthetic_voc_root, tmp_path, bad_calls=[3])
    with pytest.raises(NonFiniteLossError) as excinfo:
        runner.train()
    message = str(excinfo.value)
    assert 'iteration 3' in message
    assert 'decode.loss_trap=nan' in message
    assert 'decode.loss_ce' not in message  # only the offending term is named
    assert 'iter_2.pth' in message  # where to restart from
    # The failing iteration never reached the optimizer: weights are those after iteration 2.
    after_2 = snapshot_hook(runner).snapshots[2]
    for before, now in zip(after_2, runner.model.parameters()):
        assert torch.equal(before, now)
        assert torch.isfinite(now).all()


def test_inf_is_caught_too(synthetic_voc_root, tmp_path):
    runner = build_runner(synthetic_voc_root, tmp_path, bad_calls=[1], value=float('inf'))
    with pytest.raises(NonFiniteLossError, match=r'iteration 1: decode.loss_trap=inf'):
        runner.train()


def test_skip_mode_skips_the_step_and_recovers(synthetic_voc_root, tmp_path):
    runner = build_runner(synthetic_voc_root, tmp_path, bad_calls=[3],
                          skip_steps=True, max_consecutive_skips=2)
    runner.train()  # one bad iteration: skipped, training goes on
    hook = next(h for h in runner.hooks if isinstance(h, NonFiniteLossHook))
    assert hook.total_skips == 1
    snaps = snapshot_hook(runner).snapshots
    assert all(torch.equal(a, b) for a, b in zip(snaps[2], snaps[3]))  # step 3 skipped
    assert any(not torch.equal(a, b) for a, b in zip(snaps[3], snaps[4]))  # step 4 applied
    assert all(torch.isfinite(p).all() for p in runner.model.parameters())


def test_skip_mode_stops_after_k_consecutive(synthetic_voc_root, tmp_path):
    runner = build_runner(synthetic_voc_root, tmp_path, bad_calls=[2, 3, 4],
                          skip_steps=True, max_consecutive_skips=3)
    with pytest.raises(NonFiniteLossError, match=r'3 consecutive non-finite losses \(last at '
                       r'iteration 4'):
        runner.train()


def test_default_runtime_enables_the_hook():
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'default_runtime.py'))
    assert any(h['type'] == 'NonFiniteLossHook' and h['max_consecutive_skips'] >= 1
               for h in cfg.custom_hooks)
    with pytest.raises(ValueError, match='max_consecutive_skips'):
        NonFiniteLossHook(max_consecutive_skips=0)
