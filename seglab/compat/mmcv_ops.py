"""A stand-in ``mmcv.ops`` for mmcv-lite installs.

mmseg 1.2.2 imports ``point_sample`` and ``sigmoid_focal_loss`` from ``mmcv.ops`` while its
model zoo is imported, which fails with mmcv-lite (no compiled ``mmcv._ext``). This module
provides those two in pure PyTorch with mmcv's semantics; any other op raises a
``ModuleNotFoundError`` that names it, which is also what mmseg's optional imports
(``CrissCrossAttention``, ``PSAMask``) expect. Nothing is touched when a full mmcv is present.
"""
import importlib.util
import sys
import types
from typing import Optional

import torch
import torch.nn.functional as F

FALLBACK_FLAG = '__seglab_fallback__'


def point_sample(input: torch.Tensor,
                 points: torch.Tensor,
                 align_corners: bool = False,
                 **kwargs) -> torch.Tensor:
    """Sample ``input`` at normalised points in ``[0, 1]^2`` (mmcv semantics).

    Args:
        input (Tensor): Feature map (N, C, H, W).
        points (Tensor): (N, P, 2) or (N, Hgrid, Wgrid, 2) points as (x, y) in [0, 1].
        align_corners (bool): Passed to :func:`torch.nn.functional.grid_sample`.
            Default: False.

    Returns:
        Tensor: (N, C, P) or (N, C, Hgrid, Wgrid).
    """
    add_dim = points.dim() == 3
    if add_dim:
        points = points.unsqueeze(2)
    output = F.grid_sample(
        input, points * 2.0 - 1.0, align_corners=align_corners, **kwargs)
    return output.squeeze(3) if add_dim else output


def sigmoid_focal_loss(input: torch.Tensor,
                       target: torch.Tensor,
                       gamma: float = 2.0,
                       alpha: float = 0.25,
                       weight: Optional[torch.Tensor] = None,
                       reduction: str = 'mean') -> torch.Tensor:
    """Sigmoid focal loss with the semantics of mmcv's CUDA op.

    Args:
        input (Tensor): Logits (N, C).
        target (Tensor): Class indices (N,); a value of C (or any value outside
            ``[0, C)``) makes every class a negative.
        gamma (float): Focusing parameter. Default: 2.0.
        alpha (float): Weight of the positive term; negatives get ``1 - alpha``.
            Default: 0.25.
        weight (Tensor, optional): Per-class weight (C,), indexed by the target class.
            Default: None.
        reduction (str): 'none' gives (N, C); 'mean' divides the sum by N; 'sum'.
            Default: 'mean'.
    """
    if reduction not in ('none', 'mean', 'sum'):
        raise ValueError(f"reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    num_classes = input.size(1)
    classes = torch.arange(num_classes, device=input.device)
    positive = (target.view(-1, 1) == classes.view(1, -1)).to(input.dtype)
    prob = input.sigmoid()
    # logsigmoid is the stable form of log(p) and log(1 - p) = logsigmoid(-x).
    pos_term = -alpha * (1 - prob).pow(gamma) * F.logsigmoid(input)
    neg_term = -(1 - alpha) * prob.pow(gamma) * F.logsigmoid(-input)
    loss = positive * pos_term + (1 - positive) * neg_term
    if weight is not None:
        in_range = (target >= 0) & (target < num_classes)
        per_sample = torch.where(in_range, weight[target.clamp(0, num_classes - 1)],
                                 weight.new_ones(()))
        loss = loss * per_sample.view(-1, 1)
    if reduction == 'mean':
        return loss.sum() / input.size(0)
    if reduction == 'sum':
        return loss.sum()
    return loss


def _missing_op(name: str):
    raise ModuleNotFoundError(
        f"mmcv.ops.{name} needs the compiled ops of a full mmcv, but this environment has "
        f"mmcv-lite (no mmcv._ext). Install a full mmcv built for your torch/CUDA "
        f"(e.g. `pip install -U openmim && mim install 'mmcv>=2.0.0,<2.2.0'`) to use it; "
        f"seglab's own models do not need it.",
        name=f'mmcv.ops.{name}')


def has_compiled_mmcv_ops() -> bool:
    """Whether a full mmcv (with the compiled ``mmcv._ext``) is importable."""
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except (ImportError, ValueError):
        return False


def build_fallback_module() -> types.ModuleType:
    module = types.ModuleType('mmcv.ops', __doc__)
    module.__path__ = []  # a package, so `import mmcv.ops.x` fails cleanly, not with a crash
    module.point_sample = point_sample
    module.sigmoid_focal_loss = sigmoid_focal_loss
    setattr(module, FALLBACK_FLAG, True)

    def __getattr__(name: str):
        if name.startswith('__'):
            raise AttributeError(name)
        _missing_op(name)

    module.__getattr__ = __getattr__
    return module


def install_mmcv_ops_fallback() -> bool:
    """Register the stand-in as ``mmcv.ops`` when no compiled mmcv exists.

    Returns:
        bool: True if the stand-in is (now) in place, False if a full mmcv is used.
    """
    current = sys.modules.get('mmcv.ops')
    if current is not None:
        return bool(getattr(current, FALLBACK_FLAG, False))
    if has_compiled_mmcv_ops():
        return False
    import mmcv
    module = build_fallback_module()
    sys.modules['mmcv.ops'] = module
    mmcv.ops = module
    return True
