"""FCN head supplying Monte-Carlo dropout samples to CDFL (study 003, §III.C)."""
from typing import List, Tuple

import torch
from mmseg.models.decode_heads import FCNHead
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

from seglab.losses.cross_dropout_focal_loss import provide_mc_probs


@MODELS.register_module()
class MCDropoutFCNHead(FCNHead):
    """mmseg's ``FCNHead`` that feeds T Monte-Carlo-dropout samples to its losses.

    Study 003 runs the input "T dropout times" through the FCN to get the
    variance u of eq. 4. Only the dropout-bearing part of the head
    (``dropout`` + ``conv_seg``, i.e. ``cls_seg``) differs between the passes,
    so during training the features are computed once and ``cls_seg`` is re-run
    ``num_mc_samples`` times (one batched call) under ``torch.no_grad()``; the
    softmax of these logits at the head's resolution is handed as ``mc_probs``
    (T, N, C, h, w), with the head's ``align_corners``, to every loss that
    accepts it
    (:class:`~seglab.losses.CrossDropoutFocalLoss`). Inference (``predict``)
    is unchanged. Other losses in ``loss_decode`` are called as usual.

    Args:
        num_mc_samples (int): T, number of extra dropout passes (>= 2).
            Default: 5 (study 003).
        **kwargs: Arguments of ``FCNHead``; ``dropout_ratio`` must be > 0.
    """

    def __init__(self, num_mc_samples: int = 5, **kwargs) -> None:
        super().__init__(**kwargs)
        if int(num_mc_samples) < 2:
            raise ValueError(f'MCDropoutFCNHead: num_mc_samples={num_mc_samples}; the '
                             'variance of eq. 4 needs T >= 2 (study 003 uses 5).')
        if self.dropout is None or self.dropout.p <= 0:
            raise ValueError('MCDropoutFCNHead: dropout_ratio must be > 0 (got '
                             f'{kwargs.get("dropout_ratio", 0.1)}); without dropout all '
                             'Monte-Carlo samples are identical, u = 0 and CDFL reduces to CE.')
        self.num_mc_samples = int(num_mc_samples)

    def _mc_probs(self, feats: Tensor) -> Tensor:
        """Softmax of ``num_mc_samples`` dropout passes of ``cls_seg``, no gradient.

        Kept at the head's resolution: the loss resizes only the ground-truth
        class's probability to the label grid (C times cheaper than resizing
        all classes' logits).
        """
        if not self.training:
            raise RuntimeError('MCDropoutFCNHead: Monte-Carlo samples need the head in '
                               'training mode (dropout active).')
        with torch.no_grad():
            # One batched pass: dropout draws an independent mask per repeated copy.
            batch = feats.shape[0]
            repeated = feats.repeat(self.num_mc_samples, 1, 1, 1)
            probs = self.cls_seg(repeated).float().softmax(dim=1)
        return probs.view(self.num_mc_samples, batch, *probs.shape[1:])

    def loss(self, inputs: Tuple[Tensor], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> dict:
        feats = self._forward_feature(inputs)
        seg_logits = self.cls_seg(feats)
        losses: List = (list(self.loss_decode) if isinstance(self.loss_decode, torch.nn.ModuleList)
                        else [self.loss_decode])
        if not any(hasattr(m, '_pending_mc_probs') for m in losses):
            return self.loss_by_feat(seg_logits, batch_data_samples)
        mc_probs = self._mc_probs(feats)
        with provide_mc_probs(losses, mc_probs, self.align_corners):
            return self.loss_by_feat(seg_logits, batch_data_samples)
