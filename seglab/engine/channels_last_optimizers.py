"""torch's fused optimizers, correct for mixed memory layouts and without NHWC copies."""
from typing import List

import torch
from mmengine.registry import OPTIMIZERS
from torch import Tensor


def dense_view(tensor: Tensor) -> Tensor:
    """A contiguous view of a channels-last 4-D tensor (its NHWC permutation): the same
    memory, in storage order, so an elementwise kernel reads it without a copy."""
    return tensor.permute(0, 2, 3, 1)


def same_layout(a: Tensor, b: Tensor) -> bool:
    """Same shape and the same strides (ignoring size-1 dimensions, whose stride is moot)."""
    return a.shape == b.shape and all(
        sa == sb for sa, sb, n in zip(a.stride(), b.stride(), a.shape) if n > 1)


def _is_dense(tensor: Tensor) -> bool:
    return tensor.is_contiguous() or (tensor.dim() == 4 and tensor.is_contiguous(
        memory_format=torch.channels_last))


def match_param_layouts(optimizer: torch.optim.Optimizer, group: dict) -> None:
    """Give every gradient and state tensor of ``group`` its parameter's memory layout.

    torch's fused CPU kernels (seen on torch 2.14: Adam, AdamW, SGD) pair a parameter's
    elements with its gradient's and state's by memory order, so when the layouts differ the
    update is silently wrong (tests/engine/test_channels_last_optimizers.py: 0.017 max error
    after one AdamW step); the per-parameter loop is right. That happens when a channels-last
    model resumes an optimizer state saved by an NCHW run (or the reverse), or a gradient is
    set by hand. One copy fixes it, and the state keeps the new layout.
    """
    state = optimizer.state
    for param in group['params']:
        if not _is_dense(param):
            continue
        grad = param.grad
        if grad is not None and not grad.is_sparse and not same_layout(grad, param):
            param.grad = torch.empty_like(param, dtype=grad.dtype).copy_(grad)
        for key, value in state.get(param, {}).items():
            if isinstance(value, Tensor) and value.shape == param.shape and not same_layout(
                    value, param):
                state[param][key] = torch.empty_like(param, dtype=value.dtype).copy_(value)


def _steps_as_views(per_param: List[list]) -> None:
    """Replace, in the optimizer's per-parameter lists, every channels-last (not contiguous)
    parameter and the tensors that go with it (gradient, moments) by :func:`dense_view`.

    ``per_param[0]`` is the parameter list; the other lists of the same length hold the
    parameter's gradient and state (tensors of its shape) or per-parameter scalars (the step
    counters, left alone). A parameter is viewed only if all of its tensors share its layout
    (:func:`match_param_layouts` makes them), so element ``i`` of each view is the same weight.
    """
    params = per_param[0]
    lists = [lst for lst in per_param if len(lst) == len(params)]
    for i, param in enumerate(params):
        if param.dim() != 4 or param.is_contiguous() or not param.is_contiguous(
                memory_format=torch.channels_last):
            continue
        mine = [j for j, lst in enumerate(lists)
                if isinstance(lst[i], Tensor) and lst[i].shape == param.shape]
        if all(lists[j][i].stride() == param.stride() for j in mine):
            for j in mine:
                lists[j][i] = dense_view(lists[j][i])


class ChannelsLastStepMixin:
    """For torch's fused optimizers: correct with mixed layouts, and no copies for
    channels-last parameters.

    1. :func:`match_param_layouts`: gradients and states take their parameter's layout first
       (torch's fused kernels are wrong otherwise).
    2. torch's fused CPU kernels (``_fused_adamw_`` and friends) make every non-contiguous
       tensor contiguous and copy the result back: for a channels-last model that is the
       parameter, its gradient and each moment, every step (19 ms of a 2.2 s plain U-Net w64
       step here, docs/benchmarks.md). Adam's and Adagrad's updates are elementwise, so they
       run on the NHWC-ordered views of the same memory (:func:`dense_view`), without the
       copies, to the same result. SGD keeps torch's copies (``view_step = False``): its
       ``step`` stores momentum buffers keyed by the listed tensors.

    The optimizer's state and ``state_dict`` are torch's (the views exist only inside
    ``step``). Only ``_init_group`` (torch's private hook that gathers the per-parameter
    lists) is extended, and only for ``fused=True`` groups.
    """

    view_step = True

    def _init_group(self, group, *per_param):
        if group.get('fused'):
            match_param_layouts(self, group)
        result = super()._init_group(group, *per_param)
        if group.get('fused') and self.view_step:
            _steps_as_views(list(per_param))
        return result


@OPTIMIZERS.register_module()
class ChannelsLastAdam(ChannelsLastStepMixin, torch.optim.Adam):
    """``torch.optim.Adam`` whose fused step reads channels-last tensors without copies
    (:class:`ChannelsLastStepMixin`). Args: those of ``torch.optim.Adam``."""


@OPTIMIZERS.register_module()
class ChannelsLastAdamW(ChannelsLastStepMixin, torch.optim.AdamW):
    """``torch.optim.AdamW`` whose fused step reads channels-last tensors without copies
    (:class:`ChannelsLastStepMixin`). Args: those of ``torch.optim.AdamW``."""


@OPTIMIZERS.register_module()
class ChannelsLastAdagrad(ChannelsLastStepMixin, torch.optim.Adagrad):
    """``torch.optim.Adagrad`` whose fused step reads channels-last tensors without copies
    (:class:`ChannelsLastStepMixin`). Args: those of ``torch.optim.Adagrad``."""


@OPTIMIZERS.register_module()
class ChannelsLastSGD(ChannelsLastStepMixin, torch.optim.SGD):
    """``torch.optim.SGD`` whose fused step is correct when a momentum buffer's layout differs
    from its parameter's (:class:`ChannelsLastStepMixin`, step 1 only). Args: those of
    ``torch.optim.SGD``."""

    view_step = False


#: optimizer type -> its channels-last variant (what FusedOptimWrapperConstructor builds).
CHANNELS_LAST_VARIANTS = dict(Adam='ChannelsLastAdam', AdamW='ChannelsLastAdamW',
                              Adagrad='ChannelsLastAdagrad', SGD='ChannelsLastSGD')
