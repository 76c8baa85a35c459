"""mmengine's ``AmpOptimWrapper``, on CPU too: bfloat16 autocast, no loss scaler."""
import logging
from contextlib import contextmanager
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.runner.amp import autocast
from mmseg.registry import OPTIM_WRAPPERS

#: ``optim_wrapper.type`` values that mean a mixed-precision run.
AMP_OPTIM_WRAPPERS = ('AmpOptimWrapper', 'CPUAwareAmpOptimWrapper')


def parse_dtype(dtype: Union[str, torch.dtype, None], where: str) -> Optional[torch.dtype]:
    """``'bfloat16'`` / ``torch.bfloat16`` / None -> ``torch.dtype`` or None."""
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    if dtype not in AmpOptimWrapper.valid_dtypes:
        raise ValueError(f'{where}: dtype must be one of {AmpOptimWrapper.valid_dtypes}, '
                         f'got {dtype!r}')
    return getattr(torch, dtype)


def default_amp_dtype(device_type: str) -> torch.dtype:
    """What autocast uses when no dtype is given: bfloat16 on CPU, the device's default
    (float16 on CUDA) elsewhere."""
    if device_type == 'cpu':
        return torch.bfloat16
    if hasattr(torch, 'get_autocast_dtype'):  # torch >= 2.4
        return torch.get_autocast_dtype(device_type)
    return torch.get_autocast_gpu_dtype()


def _optimizer_device_type(optimizer: torch.optim.Optimizer) -> str:
    for group in getattr(optimizer, 'param_groups', []):
        for param in group['params']:
            return param.device.type
    return 'cuda' if torch.cuda.is_available() else 'cpu'


@MMENGINE_OPTIM_WRAPPERS.register_module()
@OPTIM_WRAPPERS.register_module(name='AmpOptimWrapper')
class CPUAwareAmpOptimWrapper(AmpOptimWrapper):
    """:class:`mmengine.optim.AmpOptimWrapper` that also trains on CPU, in bfloat16.

    mmengine's wrapper asserts a GPU/NPU/MLU/MUSA at construction, although the autocast it
    enters (:func:`mmengine.runner.amp.autocast`) supports ``device_type='cpu'`` with
    bfloat16. On CPU this wrapper therefore skips that assertion and runs the forward (and
    the loss, which seglab's losses and ``F.cross_entropy`` compute in float32) under
    ``autocast('cpu', torch.bfloat16)``; it needs no loss scaler, since bfloat16 has float32's
    exponent range (its ``loss_scaler`` is a disabled ``torch.amp.GradScaler``, so mmengine's
    ``backward``/``step``/``state_dict`` run unchanged and a checkpoint carries an empty
    ``loss_scaler``). Parameters, gradients and the optimizer state stay float32, so
    checkpoints load into an fp32 model and back. On an accelerator it is mmengine's wrapper
    unchanged: fp16 with a dynamic loss scaler by default, bf16 when ``dtype='bfloat16'``.

    The autocast device is the parameters' device (mmengine's uses the machine's default
    device, which differs when a CPU model runs on a GPU machine). The chosen precision is
    logged when the wrapper is built.

    Registered twice: as ``CPUAwareAmpOptimWrapper`` in mmengine's registry (found from any
    scope; what ``--amp`` selects), and as ``AmpOptimWrapper`` in mmseg's registry, so that a
    config written for mmseg (``default_scope='mmseg'``, as all of seglab's are) saying
    ``optim_wrapper=dict(type='AmpOptimWrapper', ...)`` builds this class and also works on
    CPU. mmengine's own registry is left untouched (no ``force=True``): other scopes and
    ``'mmengine.AmpOptimWrapper'`` still get mmengine's class.

    Args:
        loss_scale (float | str | dict): mmengine's ``loss_scale`` (accelerators only; on CPU
            there is no scaler and any value is ignored). Default: ``'dynamic'``.
        dtype (str | torch.dtype, optional): Autocast dtype. Default: None (bfloat16 on CPU,
            float16 on CUDA). On CPU only bfloat16 is accepted.
        use_fsdp (bool): mmengine's ``ShardedGradScaler`` switch (accelerators only).
            Default: False.
        **kwargs: :class:`mmengine.optim.OptimWrapper` arguments (``optimizer``,
            ``clip_grad``, ``accumulative_counts``).
    """

    def __init__(self,
                 loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Union[str, torch.dtype, None] = None,
                 use_fsdp: bool = False,
                 **kwargs) -> None:
        self.device_type = _optimizer_device_type(kwargs.get('optimizer'))
        if self.device_type != 'cpu':
            super().__init__(loss_scale=loss_scale, dtype=dtype, use_fsdp=use_fsdp, **kwargs)
            scaler = f'loss scaler {loss_scale!r}'
        else:
            dtype = parse_dtype(dtype, 'optim_wrapper.dtype')
            if dtype not in (None, torch.bfloat16):
                raise ValueError(
                    f'optim_wrapper.dtype={dtype}: CPU autocast trains in bfloat16 only; set '
                    f"optim_wrapper.dtype='bfloat16' (or leave it unset) for a CPU run.")
            # Not AmpOptimWrapper.__init__: it asserts an accelerator before doing anything.
            OptimWrapper.__init__(self, **kwargs)
            self._scale_update_param = None
            self.loss_scaler = torch.amp.GradScaler('cpu', enabled=False)
            scaler = 'no loss scaling (bfloat16 has the float32 exponent range)'
        self.cast_dtype = dtype if dtype is not None else default_amp_dtype(self.device_type)
        print_log(
            f'Mixed precision: autocast to {str(self.cast_dtype).replace("torch.", "")} on '
            f'{self.device_type}, {scaler}; parameters, gradients, optimizer state and '
            f'losses in float32.', logger='current', level=logging.INFO)

    @property
    def precision(self) -> str:
        """``'bfloat16'`` or ``'float16'``: the autocast dtype, as logs and reports name it."""
        return str(self.cast_dtype).replace('torch.', '')

    def load_state_dict(self, state_dict: dict) -> None:
        """mmengine's, except that an empty ``loss_scaler`` (saved by a CPU run, which has no
        scaler) leaves an accelerator's fresh scaler as it is instead of failing."""
        if not state_dict.get('loss_scaler', True):
            state_dict = dict(state_dict)
            del state_dict['loss_scaler']
        super().load_state_dict(state_dict)

    @contextmanager
    def optim_context(self, model: nn.Module):
        """mmengine's context (gradient-accumulation ``no_sync``) + autocast on the
        parameters' device."""
        with OptimWrapper.optim_context(self, model), autocast(
                device_type=self.device_type, dtype=self.cast_dtype):
            yield
