"""Softmax multi-class focal loss (study 003, §III.B eq. 3; study 004, Table I).

The focal loss is Lin, Goyal, Girshick, He & Dollár, *Focal Loss for Dense Object Detection*
(ICCV 2017), in its softmax form.
"""
from typing import Optional, Sequence, Union

import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .utils import PixelLossBase, gather_class, per_class_tensor, valid_mean


@MODELS.register_module()
class SoftmaxFocalLoss(PixelLossBase):
    """Softmax focal loss FL = -(1/N) sum_i alpha_{y_i} (1 - p_{i,y_i})^gamma log p_{i,y_i}.

    The focal loss of Lin et al., *Focal Loss for Dense Object Detection* (ICCV
    2017), extended to C classes as in Su, Anderson & Mihaylova, *A deep learning
    method with cross dropout focal loss function for imbalanced semantic
    segmentation* (SDF 2022; study 003), §III.B, eq. 3, with the parameters of
    Swastika, *Comparative Analysis of Loss Functions for Semantic Segmentation:
    An Empirical Study on Cityscapes Dataset* (study 004), Table I
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

    def compute_loss(self, logits: Tensor, safe_label: Tensor, valid: Tensor,
                     weight: Optional[Tensor], **kwargs) -> Tensor:
        log_pt = gather_class(F.log_softmax(logits, dim=1), safe_label)
        alpha = per_class_tensor(self.alpha, logits.shape[1], logits, 'SoftmaxFocalLoss.alpha')
        per_pixel = -alpha[safe_label] * log_pt
        if self.gamma != 0:
            # clamp: 1 - exp(log p) can be -eps when p rounds to 1.
            per_pixel = per_pixel * (1.0 - log_pt.exp()).clamp(min=0).pow(self.gamma)
        return valid_mean(per_pixel, valid, weight)
