"""Cross Dropout Focal Loss, CDFL (study 003, §III.C, eq. 4-6).

Study 003: Su, Anderson & Mihaylova, *A deep learning method with cross dropout focal loss
function for imbalanced semantic segmentation*, Sensor Data Fusion (SDF) 2022,
doi:10.1109/SDF55338.2022.9931700.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .utils import PixelLossBase, gather_class, per_class_tensor, valid_mean


@MODELS.register_module()
class CrossDropoutFocalLoss(PixelLossBase):
    """CDFL = CE + omega * DF (study 003, §III.C, eq. 4-6).

    The loss of Su, Anderson & Mihaylova, *A deep learning method with cross
    dropout focal loss function for imbalanced semantic segmentation* (SDF 2022;
    study 003): the focal loss of Lin et al., *Focal Loss for Dense Object
    Detection* (ICCV 2017), with the modulating factor replaced by the
    Monte-Carlo-dropout variance of Gal & Ghahramani, *Dropout as a Bayesian
    Approximation* (ICML 2016), added to cross-entropy.

    * u_i = (1/T) sum_t yhat_{t,i}^2 - ((1/T) sum_t yhat_{t,i})^2 (eq. 4): the
      variance of pixel i's **ground-truth-class** softmax probability over the
      T Monte-Carlo-dropout passes ``mc_probs`` (the focal loss's p_t, which u
      replaces as modulating factor). ``mc_probs`` may be at a lower resolution
      than ``cls_score`` (the head's output): the gt-class probability of each
      pass is then bilinearly resized to the label grid (``mc_align_corners``),
      i.e. softmax-then-resize, whereas ``cls_score`` is resize-then-softmax.
      **u carries no gradient**: the extra passes
      run under ``torch.no_grad()`` and u acts as a weight, like (1 - p_t)^gamma
      is a weight in the focal loss.
    * DF = -(1/N) sum_i alpha_{y_i} u_i^gamma log yhat_i (eq. 5), where yhat_i is
      the ground-truth-class softmax probability of the ordinary training pass
      (``cls_score``, dropout as in training, with gradient).
    * CE is the mean cross-entropy over valid pixels (eq. 6 writes a sum; the
      mean keeps the scale of mmseg's CE), N = number of valid pixels.

    omega = 0 gives CE exactly (same value and gradient as mmseg's
    ``CrossEntropyLoss(avg_non_ignore=True)``). ``mc_probs`` comes from
    :class:`~seglab.models.decode_heads.MCDropoutFCNHead` during training: the
    head passes it as a keyword to every loss whose class sets
    ``takes_mc_probs = True``. A head that does not supply it is an error, and
    so are samples with zero variance everywhere (no active dropout: DF would
    silently vanish and CDFL would train plain CE).

    Magnitude: u <= 1/4 (variance of a value in [0, 1]), so at gamma = 2 the
    per-pixel weight 1 + omega * alpha * u^gamma lies in [1, 1 + omega * alpha / 16].
    At the study's omega = 0.01 that is [1, 1 + 5e-4], and on CamVid omega * DF / CE
    is many orders smaller (projects/003_cdfl/README.md); the head logs it as
    ``<loss_name without 'loss_'>_df_to_ce`` (through ``log_vars``).

    Args:
        omega (float): Weight of DF. Default: 0.01 (best in the study).
        gamma (float): Exponent of u. Default: 2.0.
        alpha (float | list[float]): Scalar or per-class alpha. Default: 0.75.
        loss_weight (float): Multiplier of the loss. Default: 1.0.
        loss_name (str): Default: 'loss_cdfl'.
    """

    takes_mc_probs = True  # MCDropoutFCNHead passes mc_probs= to such losses

    def __init__(self,
                 omega: float = 0.01,
                 gamma: float = 2.0,
                 alpha: Union[float, Sequence[float]] = 0.75,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_cdfl') -> None:
        super().__init__(loss_weight, loss_name)
        self.omega = float(omega)
        self.gamma = float(gamma)
        self.alpha = alpha

    def compute_loss(self,
                     logits: Tensor,
                     safe_label: Tensor,
                     valid: Tensor,
                     weight: Optional[Tensor],
                     mc_probs: Optional[Tensor] = None,
                     mc_align_corners: bool = False,
                     log_vars: Optional[dict] = None,
                     **kwargs) -> Tensor:
        """CE + omega * DF; the keywords come through ``forward``'s ``**kwargs``.

        Args:
            mc_probs (Tensor): (T, N, C, h, w) softmax outputs of the T
                Monte-Carlo-dropout passes, at any resolution. Required; None is
                an error. Default: None.
            mc_align_corners (bool): ``align_corners`` for resizing them to the
                label grid (the head's). Default: False.
            log_vars (dict, optional): If given, receives
                ``<name>_df_to_ce`` = omega * DF / CE (detached, log only).
                Default: None.
        """
        if mc_probs is None:
            raise RuntimeError('CrossDropoutFocalLoss needs mc_probs=(T, N, C, H, W), the softmax '
                               'outputs of T Monte-Carlo-dropout passes; use '
                               "decode_head=dict(type='MCDropoutFCNHead', dropout_ratio>0, "
                               'num_mc_samples=5, ...) which supplies them during training.')
        if mc_probs.dim() != 5 or mc_probs.shape[1:3] != logits.shape[:2]:
            raise ValueError(f'CrossDropoutFocalLoss: mc_probs must be (T, N, C, H, W) with '
                             f'N, C = {logits.shape[0]}, {logits.shape[1]}, got '
                             f'{tuple(mc_probs.shape)}')
        log_p = gather_class(F.log_softmax(logits, dim=1), safe_label)
        loss = valid_mean(-log_p, valid, weight)
        ratio_key = self.loss_name[len('loss_'):] + '_df_to_ce'
        if self.omega == 0:
            if log_vars is not None:
                log_vars[ratio_key] = loss.new_zeros(())
            return loss
        with torch.no_grad():
            num_samples = mc_probs.shape[0]
            p_gt = gather_class_upsampled(mc_probs.float(), safe_label,
                                          mc_align_corners)  # (T, N, H, W)
            # E[p^2] - E[p]^2 (eq. 4) computed as E[(p - E[p])^2]: same value,
            # without the cancellation of the textbook form.
            u = (p_gt - p_gt.mean(0, keepdim=True)).square().mean(0)
            identical = bool((p_gt == p_gt[:1]).all(0)[valid].all())
            if num_samples < 2 or (bool(valid.any()) and identical):
                raise RuntimeError(
                    f'CrossDropoutFocalLoss: the {num_samples} Monte-Carlo samples have '
                    'zero variance (no active dropout), so DF = 0 and CDFL would train '
                    'plain CE. Use T >= 2 samples and a head with dropout_ratio > 0 '
                    'in training mode (MCDropoutFCNHead).')
            alpha = per_class_tensor(self.alpha, logits.shape[1], logits,
                                     'CrossDropoutFocalLoss.alpha')[safe_label]
            modulating = alpha * u.pow(self.gamma)
        dropout_focal = valid_mean(-modulating * log_p, valid, weight)
        if log_vars is not None:
            with torch.no_grad():
                log_vars[ratio_key] = self.omega * dropout_focal / loss.clamp(min=1e-30)
        return loss + self.omega * dropout_focal


def gather_class_upsampled(probs: Tensor, label: Tensor, align_corners: bool) -> Tensor:
    """probs[t, n, label[n, i, j]] bilinearly resized to the label grid, for all t.

    Equals ``F.interpolate(probs[t], label.shape[-2:], mode='bilinear',
    align_corners=align_corners)`` gathered at the label's class, but reads only
    the 4 neighbours of the label's class instead of resizing all C channels
    (C times less work; this is what keeps CDFL cheap).

    Args:
        probs (Tensor): (T, N, C, h, w).
        label (Tensor): (N, H, W) class indices (no ignore values).

    Returns:
        Tensor: (T, N, H, W).
    """
    num_samples, batch, num_classes, h, w = probs.shape
    out_h, out_w = label.shape[-2:]
    if (h, w) == (out_h, out_w):
        index = label.unsqueeze(0).unsqueeze(2).expand(num_samples, -1, 1, -1, -1)
        return probs.gather(2, index).squeeze(2)

    def source_coords(out_size: int, in_size: int):
        dst = torch.arange(out_size, device=probs.device, dtype=torch.float32)
        if align_corners:
            src = dst * ((in_size - 1) / (out_size - 1) if out_size > 1 else 0.0)
        else:
            src = ((dst + 0.5) * (in_size / out_size) - 0.5).clamp(min=0)
        lo = src.floor().long().clamp(max=in_size - 1)
        hi = (lo + 1).clamp(max=in_size - 1)
        return lo, hi, src - lo.float()

    y0, y1, ly = source_coords(out_h, h)
    x0, x1, lx = source_coords(out_w, w)
    flat = probs.reshape(num_samples, -1)
    base = (torch.arange(batch, device=probs.device).view(batch, 1, 1) * num_classes + label) * (
        h * w)  # (N, H, W): start of each pixel's class plane

    def pick(ys: Tensor, xs: Tensor) -> Tensor:
        index = (base + ys.view(1, -1, 1) * w + xs.view(1, 1, -1)).reshape(1, -1)
        return flat.gather(1, index.expand(num_samples, -1)).view(num_samples, batch, out_h, out_w)

    wy, wx = ly.view(1, 1, -1, 1), lx.view(1, 1, 1, -1)
    top = pick(y0, x0) * (1 - wx) + pick(y0, x1) * wx
    bottom = pick(y1, x0) * (1 - wx) + pick(y1, x1) * wx
    return top * (1 - wy) + bottom * wy
