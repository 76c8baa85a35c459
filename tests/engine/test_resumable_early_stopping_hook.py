"""ResumableEarlyStoppingHook: the patience count and best score survive a checkpoint, so a
resumed run stops at the same validation as an uninterrupted one."""
import logging
import types

import pytest
from mmengine.hooks import EarlyStoppingHook

from seglab.engine import ResumableEarlyStoppingHook

SCORES = [10.0, 8.0, 9.0, 9.5, 7.0, 7.5, 8.0, 7.2, 9.0, 6.0]  # val_loss, rule 'less'


def _runner():
    return types.SimpleNamespace(train_loop=types.SimpleNamespace(stop_training=False),
                                 logger=logging.getLogger('early_stopping_test'))


def _stop_index(hooks_and_scores):
    """Feed ``[(hook, scores)]`` in turn to one runner; index of the stopping validation."""
    runner, seen = _runner(), 0
    for hook, scores in hooks_and_scores:
        for score in scores:
            hook.after_val_epoch(runner, {'val_loss': score})
            seen += 1
            if runner.train_loop.stop_training:
                return seen
    return None


def _resumed(hook_type, at):
    first = hook_type(monitor='val_loss', rule='less', patience=3)
    second = hook_type(monitor='val_loss', rule='less', patience=3)
    runner = _runner()
    for score in SCORES[:at]:
        first.after_val_epoch(runner, {'val_loss': score})
    checkpoint = {'meta': {'epoch': at}}
    first.before_save_checkpoint(runner, checkpoint)
    second.after_load_checkpoint(runner, checkpoint)
    return second


def test_state_round_trips_through_the_checkpoint():
    hook = _resumed(ResumableEarlyStoppingHook, 4)
    assert (hook.wait_count, hook.best_score) == (2, 8.0)  # 9.0 and 9.5 did not improve on 8


def test_resumed_run_stops_at_the_same_validation():
    straight = _stop_index([(ResumableEarlyStoppingHook(monitor='val_loss', rule='less',
                                                        patience=3), SCORES)])
    assert straight == 8  # best 7.0 at the 5th validation, then 7.5, 8.0, 7.2
    for at in range(1, straight):
        hook = _resumed(ResumableEarlyStoppingHook, at)
        runner = _runner()
        for n, score in enumerate(SCORES[at:], at + 1):
            hook.after_val_epoch(runner, {'val_loss': score})
            if runner.train_loop.stop_training:
                break
        assert n == straight, f'resumed after validation {at}: stopped at {n}'
    # mmengine's hook forgets its count: resumed after the 7th validation it runs on.
    hook = _resumed(EarlyStoppingHook, 7)
    runner = _runner()
    for score in SCORES[7:]:
        hook.after_val_epoch(runner, {'val_loss': score})
    assert not runner.train_loop.stop_training


def test_checkpoint_without_or_with_bad_state():
    hook = ResumableEarlyStoppingHook(monitor='val_loss', rule='less', patience=3)
    hook.after_load_checkpoint(_runner(), {'meta': {}})  # mmengine's hook wrote it: fresh
    assert hook.wait_count == 0 and hook.best_score == float('inf')
    with pytest.raises(ValueError, match='checkpoint meta.early_stopping is malformed'):
        hook.after_load_checkpoint(_runner(), {'meta': {'early_stopping': dict(
            monitor='val_loss', wait_count='__import__("os")', best_score=1.0)}})
    hook.after_load_checkpoint(_runner(), {'meta': {'early_stopping': dict(
        monitor='mIoU', wait_count=5, best_score=50.0)}})
    assert hook.wait_count == 0  # another monitor's state is not taken
