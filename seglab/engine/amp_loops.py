"""Validation and test loops that run under the training run's autocast."""
import logging
from contextlib import contextmanager
from typing import Optional, Union

import torch
from mmengine.device import get_device
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper
from mmengine.runner import TestLoop, ValLoop
from mmseg.registry import LOOPS

from .amp_optim_wrapper import AMP_OPTIM_WRAPPERS, default_amp_dtype, parse_dtype


def run_amp_dtype(optim_wrapper) -> Optional[torch.dtype]:
    """The autocast dtype of a run, from its built optim wrapper or its ``optim_wrapper``
    config (``tools/test.py`` never builds it); None for an fp32 run."""
    if isinstance(optim_wrapper, AmpOptimWrapper):
        return optim_wrapper.cast_dtype or default_amp_dtype(get_device())
    if isinstance(optim_wrapper, dict) and optim_wrapper.get('type') in AMP_OPTIM_WRAPPERS:
        dtype = parse_dtype(optim_wrapper.get('dtype'), 'optim_wrapper.dtype')
        return dtype or default_amp_dtype(get_device())
    return None


@contextmanager
def _autocast_dtype(device_type: str, dtype: torch.dtype):
    """Make ``dtype`` what ``autocast(dtype=None)`` on ``device_type`` uses, for the block.

    mmengine's loops enter ``autocast(enabled=self.fp16)`` around ``val_step``/``test_step``
    only (not around the evaluator), with the device's default dtype: bfloat16 on CPU, the
    current autocast dtype on CUDA (float16 unless set). Setting that default keeps
    mmengine's loop code and keeps metrics out of autocast.
    """
    if device_type == 'cpu':  # mmengine's CPU autocast is bfloat16 whatever is set
        yield
        return
    previous = default_amp_dtype(device_type)
    if hasattr(torch, 'set_autocast_dtype'):  # torch >= 2.4
        torch.set_autocast_dtype(device_type, dtype)
    else:
        torch.set_autocast_gpu_dtype(dtype)
    try:
        yield
    finally:
        if hasattr(torch, 'set_autocast_dtype'):
            torch.set_autocast_dtype(device_type, previous)
        else:
            torch.set_autocast_gpu_dtype(previous)


class _AmpLoopMixin:
    """``dtype`` resolution and logging shared by :class:`AmpValLoop` and
    :class:`AmpTestLoop`. ``cfg_key`` is the loop's config (named in errors), ``stage`` the
    word the log uses."""

    cfg_key: str
    stage: str

    def __init__(self, *args, dtype: Union[str, torch.dtype, None] = None,
                 fp16: bool = False, **kwargs) -> None:
        super().__init__(*args, fp16=fp16, **kwargs)
        self.amp_dtype = parse_dtype(dtype, f'{self.cfg_key}.dtype')
        self._configured_fp16 = fp16
        self._logged = False

    def run(self) -> dict:
        return self._run_under_autocast(super().run)

    def _resolve_dtype(self) -> Optional[torch.dtype]:
        if self.amp_dtype is not None:
            return self.amp_dtype
        if self.fp16:  # mmengine's switch: the device's default autocast dtype
            return default_amp_dtype(get_device())
        return run_amp_dtype(self.runner.optim_wrapper)

    def _run_under_autocast(self, run) -> dict:
        dtype = self._resolve_dtype()
        if dtype is None:
            return run()
        device_type = get_device()
        if device_type == 'cpu' and dtype != torch.bfloat16:
            raise ValueError(
                f'{self.cfg_key}.dtype={dtype}: CPU autocast runs in bfloat16 only.')
        if not self._logged:
            print_log(f'{self.stage} under autocast to '
                      f'{str(dtype).replace("torch.", "")} on {device_type} (the run\'s mixed '
                      f'precision).', logger='current', level=logging.INFO)
            self._logged = True
        self.fp16 = True  # mmengine's loop enters autocast(enabled=self.fp16)
        try:
            with _autocast_dtype(device_type, dtype):
                return run()
        finally:
            self.fp16 = self._configured_fp16


@LOOPS.register_module()
class AmpValLoop(_AmpLoopMixin, ValLoop):
    """:class:`mmengine.runner.ValLoop` under the same autocast as the training run.

    mmengine's ``ValLoop(fp16=True)`` autocasts to the device's default dtype (bfloat16 on
    CPU, float16 on CUDA even when training runs in bfloat16) and must be switched on by
    hand. This loop follows the run: with an AMP ``optim_wrapper`` (seglab's
    :class:`~seglab.engine.CPUAwareAmpOptimWrapper` or mmengine's) it validates under
    autocast to that wrapper's dtype, otherwise in float32. Only ``val_step`` runs under
    autocast; the evaluator (metrics) runs outside it, in float32. ``tools/train.py`` selects
    this loop for AMP runs.

    Args:
        dtype (str, optional): Autocast dtype (``'bfloat16'``, ``'float16'``). Default: None
            (the run's: the optim wrapper's dtype for AMP runs, float32 otherwise).
        fp16 (bool): mmengine's switch (autocast to the device's default dtype).
            Default: False.
        *args, **kwargs: :class:`mmengine.runner.ValLoop` arguments.
    """

    cfg_key, stage = 'val_cfg', 'Validation'


@LOOPS.register_module()
class AmpTestLoop(_AmpLoopMixin, TestLoop):
    """:class:`mmengine.runner.TestLoop` under the run's autocast (see :class:`AmpValLoop`).

    ``tools/test.py`` of a config whose ``optim_wrapper`` is AMP tests under its autocast.

    Args:
        dtype (str, optional): Autocast dtype. Default: None (the run's).
        fp16 (bool): mmengine's switch. Default: False.
        *args, **kwargs: :class:`mmengine.runner.TestLoop` arguments.
    """

    cfg_key, stage = 'test_cfg', 'Test'
