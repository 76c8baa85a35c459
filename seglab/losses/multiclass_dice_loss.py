"""Multi-class soft Dice loss (study 004, §III.D, Table I).

Study 004: Swastika, *Comparative Analysis of Loss Functions for Semantic Segmentation: An
Empirical Study on Cityscapes Dataset*.
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .utils import PixelLossBase, per_class_tensor


@MODELS.register_module()
class MultiClassDiceLoss(PixelLossBase):
    """Soft Dice on softmax probabilities, averaged over classes (study 004 Table I).

    The Dice loss of Swastika, *Comparative Analysis of Loss Functions for
    Semantic Segmentation: An Empirical Study on Cityscapes Dataset* (study 004),
    §III.D, Table I. Dice as a loss comes from Milletari, Navab & Ahmadi, *V-Net:
    Fully Convolutional Neural Networks for Volumetric Medical Image
    Segmentation* (3DV 2016; study 004's [4]), whose denominator squares the
    terms (sum p^2 + sum y^2); this class uses study 004's sum p + sum y.

    For each class c over the valid pixels of the batch:
    D_c = 1 - (2 sum_i p_{i,c} y_{i,c} + eps) / (sum_i p_{i,c} + sum_i y_{i,c} + eps),
    L = mean_c D_c (weighted by ``class_weight`` if given). Ignored pixels are
    removed from numerator and denominator (mmseg's ``DiceLoss`` counts them).
    An all-ignored batch returns 0 with zero gradients.

    Args:
        smooth (float): eps of the formula. Default: 1e-6.
        present_only (bool): Average only over classes present in the batch's
            labels. Default: False.
        class_weight (list[float], optional): Per-class weights of the average.
            Default: None.
        loss_weight (float): Multiplier of the loss. Default: 1.0.
        loss_name (str): Default: 'loss_dice'.
    """

    def __init__(self,
                 smooth: float = 1e-6,
                 present_only: bool = False,
                 class_weight: Optional[Sequence[float]] = None,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_dice') -> None:
        super().__init__(loss_weight, loss_name)
        self.smooth = float(smooth)
        self.present_only = bool(present_only)
        self.class_weight = class_weight

    def compute_loss(self, logits: Tensor, safe_label: Tensor, valid: Tensor,
                     weight: Optional[Tensor], **kwargs) -> Tensor:
        num_classes = logits.shape[1]
        probs = logits.softmax(dim=1)
        mask = valid.unsqueeze(1).float()
        if weight is not None:
            mask = mask * weight.float().reshape(valid.shape).unsqueeze(1)
        one_hot = F.one_hot(safe_label, num_classes).permute(0, 3, 1, 2).float()
        probs, one_hot = probs * mask, one_hot * mask
        dims = (0, 2, 3)
        intersection = (probs * one_hot).sum(dims)
        denominator = probs.sum(dims) + one_hot.sum(dims)
        dice = 1.0 - (2.0 * intersection + self.smooth) / (denominator + self.smooth)
        class_w = (per_class_tensor(self.class_weight, num_classes, logits,
                                    'MultiClassDiceLoss.class_weight')
                   if self.class_weight is not None else torch.ones_like(dice))
        if self.present_only:
            class_w = class_w * (one_hot.sum(dims) > 0).float()
        if not bool(valid.any()) or float(class_w.sum()) == 0:
            # Nothing to compare against: 0 with zero gradients, not 1 - eps/eps.
            return logits.sum() * 0.0
        return (dice * class_w).sum() / class_w.sum()
