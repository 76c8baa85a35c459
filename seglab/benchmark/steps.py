"""One training or inference iteration, exactly as mmengine's runner does it."""
import copy
from typing import Optional

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from torch import Tensor


AMP_DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}


def amp_optim_wrapper_cfg(optim_wrapper: dict, amp: Optional[str]) -> dict:
    """The ``optim_wrapper`` config of the same run in mixed precision ``amp`` (``'bf16'``,
    ``'fp16'``; None: unchanged): seglab's ``CPUAwareAmpOptimWrapper`` (bf16 on CPU without a
    loss scaler, mmengine's AMP wrapper on CUDA), what ``tools/train.py --amp`` builds."""
    wrapper = copy.deepcopy(optim_wrapper)
    if amp is None:
        return wrapper
    if amp not in AMP_DTYPES:
        raise ValueError(f'amp must be one of {sorted(AMP_DTYPES)} or None, got {amp!r}')
    if wrapper.get('type', 'OptimWrapper') not in ('OptimWrapper', 'AmpOptimWrapper',
                                                   'CPUAwareAmpOptimWrapper'):
        raise ValueError(f'amp={amp}: optim_wrapper.type {wrapper.get("type")!r} is neither '
                         'OptimWrapper nor an AMP wrapper')
    wrapper['type'] = 'CPUAwareAmpOptimWrapper'
    wrapper['dtype'] = str(AMP_DTYPES[amp]).replace('torch.', '')
    return wrapper


class TrainStep:
    """One training iteration exactly as the runner does it: ``model.train_step``.

    ``optim_wrapper.optim_context`` (autocast for an AMP wrapper) around
    ``model.data_preprocessor`` and the ``loss`` forward, then ``parse_losses`` and
    ``optim_wrapper.update_params`` (backward, with the loss scaler if any, optimizer step,
    zero_grad). Mixed precision is therefore the AMP optim wrapper's
    (:func:`amp_optim_wrapper_cfg`), not an autocast added around the forward; ``amp``
    only checks that the wrapper is the one asked for.
    """

    def __init__(self, model: nn.Module, optim_wrapper: OptimWrapper, data: dict, device: str,
                 amp: Optional[str] = None) -> None:
        from mmengine.optim import AmpOptimWrapper
        wrapper_dtype = getattr(optim_wrapper, 'cast_dtype', None) if isinstance(
            optim_wrapper, AmpOptimWrapper) else None
        if amp is not None and wrapper_dtype != AMP_DTYPES[amp]:
            raise ValueError(f'TrainStep(amp={amp!r}) needs an AMP optim wrapper in that '
                             f'dtype, got {type(optim_wrapper).__name__} ({wrapper_dtype}); '
                             f'build it from amp_optim_wrapper_cfg(cfg.optim_wrapper, {amp!r})')
        self.model = model
        self.optim_wrapper = optim_wrapper
        self.data = data
        self.last_loss: Optional[float] = None

    def __call__(self) -> None:
        self.model.train()
        log_vars = self.model.train_step(self.data, self.optim_wrapper)
        loss = log_vars['loss']
        self.last_loss = float(loss.detach() if isinstance(loss, Tensor) else loss)


class InferStep:
    """One inference batch as ``test_step`` does it (preprocess, whole inference, argmax)."""

    def __init__(self, model: nn.Module, data: dict, device: str,
                 amp: Optional[str] = None) -> None:
        self.model = model
        self.data = data
        self.device_type = 'cuda' if str(device).startswith('cuda') else 'cpu'
        self.amp_dtype = AMP_DTYPES[amp] if amp is not None else None

    def __call__(self) -> None:
        self.model.eval()
        with torch.no_grad(), torch.autocast(self.device_type,
                                             dtype=self.amp_dtype or torch.float32,
                                             enabled=self.amp_dtype is not None):
            self.model.test_step(self.data)
