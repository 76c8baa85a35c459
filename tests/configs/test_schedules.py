"""The schedule files own the hooks that follow their loop, as in MMSeg.

Each schedule a training config lists sets ``default_hooks`` and ``log_processor`` counting by
iteration or by epoch as its train loop does; ``default_runtime.py`` sets neither (mmengine
refuses a key in two sibling bases).
"""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from helpers import CONFIGS

SCHEDULES = sorted(glob.glob(osp.join(CONFIGS, '_base_', 'schedules', 'schedule_*.py')))
WITH_HOOKS = SCHEDULES
LOOP_KEYS = ('default_hooks', 'log_processor')


def test_the_runtime_leaves_the_loop_hooks_to_the_schedules():
    cfg = Config.fromfile(osp.join(CONFIGS, '_base_', 'default_runtime.py'))
    assert not set(LOOP_KEYS) & set(cfg.keys())


@pytest.mark.parametrize('path', WITH_HOOKS, ids=osp.basename)
def test_schedule_hooks_count_as_its_loop(path):
    cfg = Config.fromfile(path)
    by_epoch = cfg.train_cfg.type == 'EpochBasedTrainLoop'
    hooks = cfg.default_hooks
    assert (hooks.checkpoint.type, hooks.logger.type, cfg.log_processor.type) == (
        'AtomicCheckpointHook', 'QuietLoggerHook', 'SummaryLogProcessor')
    assert hooks.checkpoint.by_epoch is by_epoch
    assert hooks.logger.log_metric_by_epoch is by_epoch
    assert cfg.log_processor.by_epoch is by_epoch
    # The best validation mIoU is kept next to the last checkpoint.
    assert (hooks.checkpoint.save_best, hooks.checkpoint.rule, hooks.checkpoint.save_last) == (
        'mIoU', 'greater', True)


def test_every_schedule_is_checked():
    assert len(WITH_HOOKS) >= 7
