"""Stop (or, under AMP, skip) on NaN/Inf losses and never save NaN/Inf weights."""
import logging
from typing import Dict, List, Optional, Type

import torch
from mmengine.dist import all_reduce, is_main_process
from mmengine.fileio import isfile
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import AmpOptimWrapper

from mmseg.registry import HOOKS
from .finite_state import describe_non_finite, scan_non_finite
from .running_stats import RunningStatsSnapshot


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN/Inf loss (or too many in a row under AMP)."""


class NonFiniteWeightsError(NonFiniteLossError):
    """The weights, running statistics or optimizer state hold NaN/Inf at a checkpoint save."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Check every loss term for NaN/Inf before the optimizer step, and the weights at saves.

    The check wraps the segmentor's ``parse_losses``, which every ``train_step`` calls before
    ``optim_wrapper.update_params``; a non-finite term is therefore caught *before* it reaches
    the weights. The forward pass has already updated the BatchNorm running statistics by
    then, so a flagged step gets them back from a copy taken before its forward
    (:class:`~seglab.engine.running_stats.RunningStatsSnapshot`: one ``copy_`` of each
    per-channel statistics vector per iteration, the only cost on the normal path); a skipped
    step restores them after its backward (autograd saved them), before any checkpoint hook.
    In distributed runs the loss verdict is all-reduced so that every rank stops or skips
    together.

    - fp32 (``OptimWrapper``): raise :class:`NonFiniteLossError` naming the term(s), their
      values and the iteration, whether the weights and buffers are finite (checked then),
      and the last checkpoint whose weights were checked finite.
    - AMP (``AmpOptimWrapper``), or ``skip_steps=True``: NaN/Inf gradients are expected
      occasionally while the loss scale settles, so the step is skipped (no optimizer update,
      gradients cleared, running statistics restored) with a warning, and training stops only
      after ``max_consecutive_skips`` non-finite iterations in a row.

    A learning rate far too high makes the weights overflow several steps before the loss
    does. So before every checkpoint save (the ``before_save_checkpoint`` hook, on the CPU
    copy the runner is about to write, on rank 0 where mmengine saves) the parameters, buffers
    and optimizer state are checked:
    a non-finite one stops training with :class:`NonFiniteWeightsError` and the file is not
    written. Checks on the weights therefore cost one pass over the state per save (and one
    when stopping), none per iteration. "The last checkpoint with finite weights" that a stop
    message names is the newest file this hook checked (at its save, or when resuming from it)
    that still exists.

    Args:
        max_consecutive_skips (int): K, the consecutive skipped steps tolerated when skipping.
            Default: 5.
        skip_steps (bool, optional): Skip instead of stopping; None skips exactly when the
            optimizer wrapper is an ``AmpOptimWrapper``. Default: None.
    """

    priority = 'HIGHEST'

    def __init__(self, max_consecutive_skips: int = 5, skip_steps: Optional[bool] = None):
        if max_consecutive_skips < 1:
            raise ValueError(f'NonFiniteLossHook: max_consecutive_skips must be >= 1, got '
                             f'{max_consecutive_skips}')
        self.max_consecutive_skips = max_consecutive_skips
        self.skip_steps = skip_steps
        self.consecutive_skips = 0
        self.total_skips = 0
        self._skip_this_step = False
        self._running_stats: Optional[RunningStatsSnapshot] = None
        # Checkpoints whose weights were checked finite, oldest first.
        self._finite_checkpoints: List[str] = []

    def before_train(self, runner) -> None:
        skip = self.skip_steps
        if skip is None:
            skip = isinstance(runner.optim_wrapper, AmpOptimWrapper)
        model = self._model(runner)
        self._running_stats = RunningStatsSnapshot(model)
        # 'last_ckpt' names the resumed file only when this runner resumed: mmengine keys
        # MessageHubs by experiment name, a timestamp to the second, so a runner built in the
        # same second as an earlier one (tests, notebooks) sees the earlier run's value.
        resumed = (runner.message_hub.get_info('last_ckpt')
                   if getattr(runner, '_resume', False) and getattr(runner, '_has_loaded', False)
                   else None)
        if resumed and not scan_non_finite(model.state_dict())[0]:
            self._remember_finite(resumed)
        if getattr(model.parse_losses, '_seglab_non_finite', False):
            return
        parse_losses = model.parse_losses

        def checked_parse_losses(losses: Dict[str, torch.Tensor]):
            loss, log_vars = parse_losses(losses)
            self._inspect(runner, log_vars, skip)
            return loss, log_vars

        checked_parse_losses._seglab_non_finite = True
        model.parse_losses = checked_parse_losses
        if skip:
            self._wrap_step(runner.optim_wrapper)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if self._running_stats is not None:
            self._running_stats.capture()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        # A skipped step still ran its backward, which needs the statistics the forward saw,
        # so they are restored only now (before any checkpoint hook runs: HIGHEST priority).
        if self._skip_this_step:
            self._restore_running_stats()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # Runner.save_checkpoint runs on rank 0 only (no collective possible here); when this
        # raises, the launcher (torchrun) stops the other ranks.
        bad, total = scan_non_finite(checkpoint.get('state_dict', {}))
        bad_optim, total_optim = scan_non_finite(checkpoint.get('optimizer', {}), 'optimizer.')
        pending = runner.message_hub.get_info('last_ckpt')  # the file CheckpointHook writes
        if not bad and not bad_optim:
            if pending:
                self._remember_finite(pending)
            return
        finite = self._last_finite_checkpoint()
        if finite:  # the message hub must not point to the file that is not written
            runner.message_hub.update_info('last_ckpt', finite)
        found = describe_non_finite(bad + bad_optim, total + total_optim)
        iteration = checkpoint.get('meta', {}).get('iter', runner.iter + 1)
        self._fail(
            f'Not saving the checkpoint after iteration {iteration}: the model state is not '
            f'finite ({found}). Training stopped. The loss can stay finite for several '
            f'steps after the weights overflow, usually from a learning rate too high (lower '
            f'it, or clip gradients: optim_wrapper.clip_grad=dict(max_norm=...)); NaN/Inf '
            f'input values show in the BatchNorm statistics first'
            f'{self._last_finite_note()}. See docs/troubleshooting.md.',
            NonFiniteWeightsError)

    def _inspect(self, runner, log_vars: Dict[str, torch.Tensor], skip: bool) -> None:
        bad: List[str] = [
            f"{name}={float(value.detach()):g}" for name, value in log_vars.items()
            if name != 'loss' and isinstance(value, torch.Tensor)
            and not torch.isfinite(value.detach()).all()
        ]
        flag = torch.tensor(float(bool(bad)))
        all_reduce(flag)  # no-op outside distributed runs
        self._skip_this_step = bool(flag.item() > 0)
        if not self._skip_this_step:
            self.consecutive_skips = 0
            return
        iteration = runner.iter + 1
        terms = ', '.join(bad) if bad else 'on another rank'
        if not skip:
            self._restore_running_stats()  # no backward follows: safe to write in place
            self._fail(
                f'Non-finite loss at iteration {iteration}: {terms}. Training stopped before '
                f'the optimizer step{self._state_note(runner)}'
                f'{self._last_finite_note()}. Usual causes: a learning rate too '
                f'high, labels outside [0, num_classes) other than ignore_index, an empty '
                f'class in a loss weight (division by zero), or bad input values. See '
                f'docs/troubleshooting.md.')
        self.consecutive_skips += 1
        self.total_skips += 1
        print_log(
            f'Non-finite loss at iteration {iteration}: {terms}; skipping this optimizer '
            f'step ({self.consecutive_skips}/{self.max_consecutive_skips} in a row).',
            logger='current', level=logging.WARNING)
        if self.consecutive_skips >= self.max_consecutive_skips:
            self._restore_running_stats()
            self._fail(
                f'{self.consecutive_skips} consecutive non-finite losses (last at iteration '
                f'{iteration}: {terms}); stopping. The AMP loss scale cannot fix a loss that '
                f'is NaN in the forward pass: lower the learning rate, check the labels and '
                f'loss weights, or train in fp32 to get the first failing term'
                f'{self._state_note(runner)}{self._last_finite_note()}. Raise '
                f'NonFiniteLossHook.max_consecutive_skips to tolerate more.')

    @staticmethod
    def _fail(message: str, error: Type[NonFiniteLossError] = NonFiniteLossError) -> None:
        # Into the run's log file too, not only the traceback on stderr.
        print_log(message, logger='current', level=logging.ERROR)
        raise error(message)

    def _restore_running_stats(self) -> None:
        """Undo this iteration's forward in the BatchNorm statistics."""
        if self._running_stats is not None:
            self._running_stats.restore()

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def _wrap_step(self, optim_wrapper) -> None:
        """Make ``optim_wrapper.step`` a no-op for flagged iterations."""
        step = optim_wrapper.step

        def guarded_step(**kwargs):
            if self._skip_this_step:
                optim_wrapper.zero_grad()
                return None
            return step(**kwargs)

        optim_wrapper.step = guarded_step

    def _state_note(self, runner) -> str:
        """Whether the weights and buffers in memory are finite, checked now."""
        bad, total = scan_non_finite(self._model(runner).state_dict())
        if not bad:
            return '; the weights and buffers are finite (checked)'
        found = describe_non_finite(bad, total)
        return (f'; but the weights were already not finite before this loss ({found}), '
                f'typically from a learning rate too high')

    def _remember_finite(self, path: str) -> None:
        if path in self._finite_checkpoints:
            self._finite_checkpoints.remove(path)
        self._finite_checkpoints.append(path)

    def _last_finite_checkpoint(self) -> Optional[str]:
        """The newest checkpoint checked finite that still exists (pruning deletes some)."""
        for path in reversed(self._finite_checkpoints):
            try:
                if isfile(path):
                    return path
            except Exception:  # an unreachable storage backend: do not claim the file
                continue
        return None

    def _last_finite_note(self) -> str:
        if not is_main_process():  # saves (and their checks) happen on rank 0 only
            return ''
        last = self._last_finite_checkpoint()
        if last:
            return f'; the last checkpoint with finite weights is {last}'
        return '; this run has not saved a checkpoint with finite weights yet'
