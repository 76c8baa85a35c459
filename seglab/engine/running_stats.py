"""Undo what one forward pass did to the running statistics of normalisation layers."""
from typing import List, Tuple

import torch
from torch import nn
from torch.nn.modules.batchnorm import _NormBase

_STATS = ('running_mean', 'running_var', 'num_batches_tracked')


class RunningStatsSnapshot:
    """A copy of every BatchNorm/SyncBN/InstanceNorm running statistic, restorable in place.

    A training forward pass updates ``running_mean``/``running_var`` before the loss is
    known, so a step that is later found non-finite and skipped would still leave its NaN in
    the statistics. :meth:`capture` before the forward and :meth:`restore` when the step is
    dropped make the skipped batch leave no trace.

    Cost on the normal path: one in-place ``copy_`` per statistics tensor per iteration into
    buffers allocated once (per-channel vectors: about 0.2 MB for a ResNet-50), no
    allocation and no host-device synchronisation. The buffers are looked up again at every
    capture, so ``model.to(...)`` or a replaced buffer is followed.

    Args:
        model (nn.Module): The (unwrapped) model.
    """

    def __init__(self, model: nn.Module) -> None:
        self._modules: List[Tuple[nn.Module, str]] = [
            (module, name) for module in model.modules()
            if isinstance(module, _NormBase) and module.track_running_stats
            for name in _STATS if getattr(module, name, None) is not None
        ]
        self._saved: List[torch.Tensor] = []

    def __len__(self) -> int:
        return len(self._modules)

    @torch.no_grad()
    def capture(self) -> None:
        """Copy the current statistics aside."""
        for i, (module, name) in enumerate(self._modules):
            live = getattr(module, name)
            if i == len(self._saved):
                self._saved.append(torch.empty_like(live))
            elif (self._saved[i].shape != live.shape or self._saved[i].device != live.device
                  or self._saved[i].dtype != live.dtype):
                self._saved[i] = torch.empty_like(live)
            self._saved[i].copy_(live)

    @torch.no_grad()
    def restore(self) -> None:
        """Put the captured statistics back (no-op before the first :meth:`capture`)."""
        for (module, name), saved in zip(self._modules, self._saved):
            getattr(module, name).copy_(saved)
