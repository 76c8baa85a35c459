"""Balanced cross-entropy (study 001, §II.D, eq. 1-2).

Study 001: Gao, Wang, Mei, Cheng, Zi & Yang, *An Enhanced Encoder-Decoder Network Architecture
for Reducing Information Loss in Image Semantic Segmentation*.
"""
from typing import Optional, Union

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .utils import PixelLossBase, gather_class, valid_mean


@MODELS.register_module()
class BalancedCELoss(PixelLossBase):
    """Balanced cross-entropy CE(p, y) = -beta_y log(p_t) (study 001, §II.D).

    The "improved cross-entropy loss function" of Gao et al., *An Enhanced
    Encoder-Decoder Network Architecture for Reducing Information Loss in Image
    Semantic Segmentation* (study 001), §II.D, eq. 1-2. It weights positive
    pixels by beta and negative pixels by 1 - beta (eq. 1). For C classes a
    *positive* pixel is a foreground pixel
    (label != ``background_index``), a negative one is background; p_t is the
    softmax probability of the pixel's ground-truth class. The loss is the mean
    over valid pixels: L = -(1/N) sum_i beta_{y_i} log p_{i, y_i}.

    Study 001 gives no rule for beta. ``beta='auto'`` is our choice: the rule of
    balanced cross-entropy in Xie & Tu, *Holistically-Nested Edge Detection*
    (ICCV 2015; cited by study 003 as [30], not by study 001), beta = |Y-| / |Y|,
    the fraction of background pixels among the valid pixels of the batch
    (computed without gradient), so that the rare foreground gets the large
    weight.

    Args:
        beta (float | str): Positive (foreground) weight in [0, 1], or 'auto'.
            Default: 'auto'.
        background_index (int): Label of the negative class. Default: 0.
        loss_weight (float): Multiplier of the loss. Default: 1.0.
        loss_name (str): Default: 'loss_bce'.
    """

    def __init__(self,
                 beta: Union[float, str] = 'auto',
                 background_index: int = 0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_bce') -> None:
        super().__init__(loss_weight, loss_name)
        if isinstance(beta, str):
            if beta != 'auto':
                raise ValueError(
                    f"BalancedCELoss: beta must be a float in [0, 1] or 'auto', got {beta!r}")
        elif not 0.0 <= float(beta) <= 1.0:
            raise ValueError(f'BalancedCELoss: beta must lie in [0, 1], got {beta}')
        self.beta = beta
        self.background_index = int(background_index)

    def compute_loss(self, logits: Tensor, safe_label: Tensor, valid: Tensor,
                     weight: Optional[Tensor], **kwargs) -> Tensor:
        positive = valid & (safe_label != self.background_index)
        if self.beta == 'auto':
            negatives = (valid & ~positive).sum().float()
            beta = negatives / valid.sum().clamp(min=1).float()
        else:
            beta = torch.tensor(float(self.beta), device=logits.device)
        pixel_weight = torch.where(positive, beta, 1.0 - beta)
        nll = -gather_class(F.log_softmax(logits, dim=1), safe_label)
        return valid_mean(pixel_weight * nll, valid, weight)
