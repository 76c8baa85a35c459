"""NonFiniteLossHook: NaN/Inf loss terms stop training (fp32) or skip steps (AMP-style);
non-finite weights are never saved, and a skipped step leaves no trace in BatchNorm."""
import glob
import itertools
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from torch import nn

import seglab  # noqa: F401
from mmseg.registry import HOOKS, MODELS
from seglab.engine import NonFiniteLossError, NonFiniteLossHook, NonFiniteWeightsError
from seglab.engine.finite_state import scan_non_finite

from helpers import REPO, SMOKE_CONFIG



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
    """Copies of the trainable parameters (and of the buffers) after every iteration."""

    def __init__(self):
        self.snapshots = {}
        self.buffers = {}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = runner.model
        self.snapshots[runner.iter + 1] = [p.detach().clone() for p in model.parameters()]
        self.buffers[runner.iter + 1] = {k: b.clone() for k, b in model.named_buffers()}


@HOOKS.register_module(force=True)
class PoisonBufferHookForTest(Hook):
    """Sets one BatchNorm running_var to inf after the given iteration, after its save."""

    priority = 'LOWEST'  # after the checkpoint hook (VERY_LOW)

    def __init__(self, after_iter):
        self.after_iter = after_iter
        self.poisoned = None

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.after_iter:
            self.poisoned, buffer = next((k, b) for k, b in runner.model.named_buffers()
                                         if k.endswith('running_var'))
            buffer.fill_(float('inf'))


_RUN_IDS = itertools.count()


def build_runner(voc_root, work_dir, bad_calls, value=float('nan'), lr=None, max_iters=4,
                 extra_hooks=(), resume=False, experiment_name=None, **hook_args):
    cfg = Config.fromfile(SMOKE_CONFIG)
    # mmengine names experiments by the second: runners built within one share a MessageHub
    cfg.experiment_name = experiment_name or f'nonfinite_{next(_RUN_IDS)}'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = voc_root
    cfg.work_dir = str(work_dir)
    cfg.model.decode_head.loss_decode = [
        dict(type='CrossEntropyLoss', loss_name='loss_ce'),
        dict(type='TrapLossForTest', bad_calls=bad_calls, value=value),
    ]
    cfg.custom_hooks = [dict(type='NonFiniteLossHook', **hook_args),
                        dict(type='ParamSnapshotHookForTest'), *extra_hooks]
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.max_iters = max_iters
    if lr is not None:
        cfg.optim_wrapper.optimizer.lr = lr
    cfg.resume = resume
    return Runner.from_cfg(cfg)


def non_finite_in_file(path):
    return scan_non_finite(torch.load(path, map_location='cpu', weights_only=True)['state_dict'])[0]


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
    assert 'the weights and buffers are finite (checked)' in message
    assert f'the last checkpoint with finite weights is {tmp_path / "iter_2.pth"}' in message
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


def test_weights_overflowing_before_the_loss_are_never_saved(synthetic_voc_root, tmp_path):
    # lr 1e6: the loss stays finite until iteration 7, but BN statistics and weights overflow
    # from iteration 3 or 4 on; without the save-time check iter_4 and iter_6 held NaN/Inf
    # and the stop message called the weights finite and pointed to iter_6.pth.
    runner = build_runner(synthetic_voc_root, tmp_path, bad_calls=[], lr=1e6, max_iters=12)
    with pytest.raises(NonFiniteWeightsError) as excinfo:
        runner.train()
    message = str(excinfo.value)
    assert message.startswith('Not saving the checkpoint after iteration ')
    assert 'running_var' in message and 'tensors hold NaN/Inf' in message
    saved = sorted(glob.glob(str(tmp_path / 'iter_*.pth')),
                   key=lambda p: int(osp.basename(p)[5:-4]))
    assert saved, 'the early checkpoints were written'
    assert all(non_finite_in_file(p) == [] for p in saved), 'no non-finite file on disk'
    assert f'the last checkpoint with finite weights is {saved[-1]}' in message
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read().strip() == saved[-1]  # resume picks the finite one
    stopped_at = int(message.split('after iteration ')[1].split(':')[0])
    assert not osp.exists(tmp_path / f'iter_{stopped_at}.pth')
    assert stopped_at < 7  # before the loss turned NaN


def test_loss_stop_says_when_weights_were_already_non_finite(synthetic_voc_root, tmp_path):
    runner = build_runner(synthetic_voc_root, tmp_path, bad_calls=[3],
                          extra_hooks=[dict(type='PoisonBufferHookForTest', after_iter=2)])
    with pytest.raises(NonFiniteLossError) as excinfo:
        runner.train()
    message = str(excinfo.value)
    poisoned = next(h for h in runner.hooks if type(h).__name__ == 'PoisonBufferHookForTest')
    assert 'finite (checked)' not in message
    assert ('but the weights were already not finite before this loss (1 of ' in message
            and f'hold NaN/Inf: backbone: 1 ({poisoned.poisoned}))' in message)
    # iter_2.pth was saved before the poisoning, and checked then.
    assert f'the last checkpoint with finite weights is {tmp_path / "iter_2.pth"}' in message
    assert non_finite_in_file(tmp_path / 'iter_2.pth') == []


def test_resumed_checkpoint_counts_as_checked(synthetic_voc_root, tmp_path):
    build_runner(synthetic_voc_root, tmp_path, bad_calls=[], max_iters=2).train()
    runner = build_runner(synthetic_voc_root, tmp_path, bad_calls=[1], resume=True)
    with pytest.raises(NonFiniteLossError) as excinfo:
        runner.train()
    message = str(excinfo.value)
    assert 'iteration 3' in message  # resumed after iteration 2
    assert f'the last checkpoint with finite weights is {tmp_path / "iter_2.pth"}' in message


def test_no_finite_checkpoint_yet_is_said(synthetic_voc_root, tmp_path):
    runner = build_runner(synthetic_voc_root, tmp_path, bad_calls=[1])
    with pytest.raises(NonFiniteLossError,
                       match='this run has not saved a checkpoint with finite weights yet'):
        runner.train()


def test_an_earlier_runs_message_hub_is_not_a_resume(synthetic_voc_root, tmp_path,
                                                    monkeypatch):
    """Two runners with one experiment name built in the same second share mmengine's
    MessageHub (``<name>_<timestamp>``); the second, not resumed, must not claim the first
    one's checkpoint."""
    import time

    import mmengine.runner.runner as runner_module

    class SameSecond:  # mmengine's clock for the runners' timestamps only
        def __getattr__(self, name):
            return getattr(time, name)

        @staticmethod
        def time():
            return 1.7e9

    monkeypatch.setattr(runner_module, 'time', SameSecond())
    build_runner(synthetic_voc_root, tmp_path / 'first', bad_calls=[], max_iters=2,
                 experiment_name='same_second').train()
    runner = build_runner(synthetic_voc_root, tmp_path / 'second', bad_calls=[1],
                          experiment_name='same_second')
    with pytest.raises(NonFiniteLossError,
                       match='this run has not saved a checkpoint with finite weights yet'):
        runner.train()


def test_skipped_nan_batch_leaves_batchnorm_untouched(synthetic_voc_root, tmp_path):
    """A NaN input batch: its loss is skipped, and its running mean/var must not stay."""
    runner = build_runner(synthetic_voc_root, tmp_path, bad_calls=[], skip_steps=True)
    calls = []

    def nan_on_third_training_call(module, args):
        calls.append(1)
        if module.training and len(calls) == 3:
            return (args[0] * float('nan'), )

    runner.model.backbone.register_forward_pre_hook(nan_on_third_training_call)
    runner.train()  # finishes: one skipped step, no non-finite save
    hook = next(h for h in runner.hooks if isinstance(h, NonFiniteLossHook))
    assert hook.total_skips == 1
    buffers = snapshot_hook(runner).buffers
    for key, value in buffers[3].items():
        assert torch.equal(value, buffers[2][key]), f'{key} changed by the skipped step'
    assert any(not torch.equal(v, buffers[3][k]) for k, v in buffers[4].items()
               if k.endswith('running_mean')), 'iteration 4 updates the statistics again'
    assert scan_non_finite(dict(runner.model.state_dict()))[0] == []
    assert non_finite_in_file(tmp_path / 'iter_4.pth') == []


def test_running_stats_snapshot_restores_in_place():
    from seglab.engine.running_stats import RunningStatsSnapshot
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.InstanceNorm2d(4),
                        nn.BatchNorm2d(4, track_running_stats=False))
    snapshot = RunningStatsSnapshot(net)
    assert len(snapshot) == 3  # mean, var and count of the one tracking BatchNorm
    net.train()
    net(torch.randn(2, 3, 8, 8))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    snapshot.capture()
    net(torch.full((2, 3, 8, 8), float('nan')))
    assert not torch.isfinite(net[1].running_mean).all()
    snapshot.restore()
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key]), key
