"""Softmax multi-class focal loss (study 003, §III.B eq. 3; study 004, Table I)."""
from typing import Optional, Sequence, Union

import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .utils import PixelLossBase, gather_class, per_class_tensor, prepare_inputs, valid_mean


@MODELS.register_module()
class SoftmaxFocalLoss(PixelLossBase):
    """Softmax focal loss FL = -(1/N) sum_i alpha_{y_i} (1 - p_{i,y_i})^gamma log p_{i,y_i}.

    Study 003 eq. 3 (multi-class extension of Lin et al.), study 004 Table I
    (alpha = 1, gamma = 2). p_{i,y_i} is the softmax probability of pixel i's
    ground-truth class; N is the number of valid pixels. gamma = 0 and alpha = 1
    give the mean cross-entropy exactly. mmseg's ``FocalLoss`` is the sigmoid
    (one-vs-all) variant, hence this class.

    Args:
        gamma (float): Focusing parameter, >= 0. Default: 2.0.
        alpha (float | list[float]): Scalar or per-class weight. Default: 1.0.
        loss_weight (float): Multiplier of the loss. Default: 1.0.
        loss_name (str): Default: 'loss_focal'.
    """

    def __init__(self,
                 gamma: float = 2.0,
                 alpha: Union[float, Sequence[float]] = 1.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_focal') -> None:
        super().__init__(loss_weight, loss_name)
        if gamma < 0:
            raise ValueError(f'SoftmaxFocalLoss: gamma must be >= 0, got {gamma}')
        self.gamma = float(gamma)
        self.alpha = alpha

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: int = 255,
                **kwargs) -> Tensor:
        logits, safe_label, valid = prepare_inputs(cls_score, label, ignore_index)
        log_pt = gather_class(F.log_softmax(logits, dim=1), safe_label)
        alpha = per_class_tensor(self.alpha, logits.shape[1], logits, 'SoftmaxFocalLoss.alpha')
        per_pixel = -alpha[safe_label] * log_pt
        if self.gamma != 0:
            # clamp: 1 - exp(log p) can be -eps when p rounds to 1.
            per_pixel = per_pixel * (1.0 - log_pt.exp()).clamp(min=0).pow(self.gamma)
        return self.loss_weight * valid_mean(per_pixel, valid, weight)
