"""FLOPs and parameters of a segmentor at the size it really runs at.

Convention: mmengine's ``get_model_complexity_info`` (fvcore's counter) counts one
multiply-add as one "flop". This module returns that number (what mmseg/mmengine users
compare); FLOP/s are computed from ``2 * flops`` so that they compare with the matmul peak
(``2 n^3`` FLOPs per ``n x n`` matmul), and a training step is taken as 3x the forward
(forward + input gradients + weight gradients).
"""
from typing import Tuple

import torch
import torch.nn as nn
from torch import Tensor

from seglab.models.segmentors import SMPSegmentor
from .build import model_num_classes
from .data import synthetic_batch


class _AllHeadsForward(nn.Module):
    """Tensor-in, tensors-out view of a segmentor for FLOP counting.

    ``mode='tensor'`` of ``EncoderDecoder`` skips the auxiliary heads, which a training step
    does run; this view runs the backbone, neck, decode head and (``train=True``) the auxiliary
    heads. ``SMPSegmentor`` is counted as its network.
    """

    def __init__(self, model: nn.Module, train: bool) -> None:
        super().__init__()
        self.model = model
        self.train_graph = train

    def forward(self, x: Tensor):
        model = self.model
        if isinstance(model, SMPSegmentor):
            return model.net(x)
        feats = model.extract_feat(x)
        outs = [model.decode_head.forward(feats)]
        aux = getattr(model, 'auxiliary_head', None) if self.train_graph else None
        if aux is not None:
            for head in aux if isinstance(aux, nn.ModuleList) else [aux]:
                outs.append(head.forward(feats))
        return tuple(outs)


def preprocessed_shape(model: nn.Module, shape: Tuple[int, int], train: bool = True
                       ) -> Tuple[int, int]:
    """The spatial size the model's ``data_preprocessor`` turns a ``shape`` image into (its
    padding to ``size`` or to a multiple of ``size_divisor``); ``shape`` without one."""
    preprocessor = getattr(model, 'data_preprocessor', None)
    if not isinstance(preprocessor, nn.Module):
        return tuple(shape)
    batch = synthetic_batch(1, tuple(shape), model_num_classes(model))
    with torch.no_grad():
        inputs = preprocessor(batch, train)['inputs']
    return tuple(int(v) for v in inputs.shape[-2:])


def count_flops(model: nn.Module, shape: Tuple[int, int], train: bool = True) -> dict:
    """Forward FLOPs (mmengine's multiply-add count) for one image, and parameters.

    Counted at the size the model really runs at: ``shape`` after the model's
    ``data_preprocessor`` (padding to ``size_divisor`` included), so that a config padding
    180x240 to 192x240 is counted at 192x240 (and mmseg's UNet, which asserts a multiple of 16,
    can be counted at all)."""
    from mmengine.analysis import get_model_complexity_info
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('ERROR')  # "Unsupported operator aten::batch_norm" etc.: elementwise, small
    was_training = model.training
    try:
        model.eval()
        device = next(model.parameters()).device
        x = torch.zeros(1, 3, *preprocessed_shape(model, shape, train), device=device)
        with torch.no_grad():
            info = get_model_complexity_info(
                _AllHeadsForward(model, train), inputs=(x, ), show_table=False, show_arch=False)
    finally:
        model.train(was_training)
        logger.setLevel(level)
    params = sum(p.numel() for p in model.parameters())
    return dict(flops=int(info['flops']), params=int(params))
