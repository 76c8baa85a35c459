"""Stop (or, under AMP, skip) on NaN/Inf losses, naming the loss term and the iteration."""
import logging
from typing import Dict, List, Optional

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import AmpOptimWrapper

from mmseg.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN/Inf loss (or too many in a row under AMP)."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Check every loss term for NaN/Inf before the optimizer step.

    The check wraps the segmentor's ``parse_losses``, which every ``train_step`` calls before
    ``optim_wrapper.update_params``; a non-finite term is therefore caught *before* it reaches
    the weights. In distributed runs the verdict is all-reduced so that every rank stops or
    skips together.

    - fp32 (``OptimWrapper``): raise :class:`NonFiniteLossError` naming the term(s), their
      values and the iteration; the weights (and the last checkpoint) are still finite.
    - AMP (``AmpOptimWrapper``), or ``skip_steps=True``: NaN/Inf gradients are expected
      occasionally while the loss scale settles, so the step is skipped (no optimizer update,
      gradients cleared) with a warning, and training stops only after
      ``max_consecutive_skips`` non-finite iterations in a row.

    Args:
        max_consecutive_skips (int): K, the consecutive skipped steps tolerated when skipping.
            Defaults to 5.
        skip_steps (bool, optional): Skip instead of stopping. Defaults to None: skip exactly
            when the optimizer wrapper is an ``AmpOptimWrapper``.
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

    def before_train(self, runner) -> None:
        skip = self.skip_steps
        if skip is None:
            skip = isinstance(runner.optim_wrapper, AmpOptimWrapper)
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
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
            self._fail(
                f'Non-finite loss at iteration {iteration}: {terms}. Training stopped before '
                f'the optimizer step, so the weights are still finite'
                f'{self._last_checkpoint_note(runner)}. Usual causes: a learning rate too '
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
            self._fail(
                f'{self.consecutive_skips} consecutive non-finite losses (last at iteration '
                f'{iteration}: {terms}); stopping. The AMP loss scale cannot fix a loss that '
                f'is NaN in the forward pass: lower the learning rate, check the labels and '
                f'loss weights, or train in fp32 to get the first failing term'
                f'{self._last_checkpoint_note(runner)}. Raise '
                f'NonFiniteLossHook.max_consecutive_skips to tolerate more.')

    @staticmethod
    def _fail(message: str) -> None:
        # Into the run's log file too, not only the traceback on stderr.
        print_log(message, logger='current', level=logging.ERROR)
        raise NonFiniteLossError(message)

    def _wrap_step(self, optim_wrapper) -> None:
        """Make ``optim_wrapper.step`` a no-op for flagged iterations."""
        step = optim_wrapper.step

        def guarded_step(**kwargs):
            if self._skip_this_step:
                optim_wrapper.zero_grad()
                return None
            return step(**kwargs)

        optim_wrapper.step = guarded_step

    @staticmethod
    def _last_checkpoint_note(runner) -> str:
        last = runner.message_hub.get_info('last_ckpt')
        return f'; the last checkpoint is {last}' if last else ''
