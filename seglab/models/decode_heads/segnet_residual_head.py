"""Study 001's SegNet-residual decoder: SegNet's decoder plus a residual fusion at every scale."""
from typing import List

import torch
from torch import Tensor

from mmseg.registry import MODELS
from ..utils.pooling_indices import PooledFeature
from .segnet_head import SegNetHead


@MODELS.register_module()
class SegNetResidualHead(SegNetHead):
    """SegNet decoder with residual connections (study 001, Gao et al. 2024, §II.B, Fig. 2).

    Identical layers to :class:`SegNetHead` with the same arguments (same depth; only the
    fusion differs, which is what study 001 compares), plus, at every decoder level, the
    encoder feature of the same scale added to the max-unpooled tensor, and before the
    classifier a concatenation with ``F1`` (the first stage's features), so the classifier
    sees ``channels + in_channels[0]`` channels (64 + 64 = 128 in the study).

    Reading of §II.B (its text is garbled; this is the reading consistent with the sizes it
    lists and with Fig. 2's "max-pooling indices + residual connections"). ``PI(F_k)`` is read
    as "max-unpooling with the indices recorded when ``F_k`` was pooled" and ``Fuse`` as an
    element-wise sum (a residual connection; the channel counts match at every scale). With
    study 001's encoder (``SegNetEncoder(arch='vgg16_bn', num_stages=3)``):

    - ``F1``: H x W x 64, ``F2``: H/2 x 128, ``F3``: H/4 x 256, ``F4 = pool(F3)``: H/8 x 256.
    - ``F'3 = unpool_3(F4) + F3`` (H/4 x 256) - the text's ``Fuse(PI(F1), F3)`` cannot be
      meant literally: ``F1`` is at H, not H/4, and the only H/8 tensor to bring to H/4 with
      stored indices is ``F4``; ``De(F'3)``: the level's convs, ending at 128 channels.
    - ``F'2 = unpool_2(De(F'3)) + F2`` (H/2 x 128), as the text's ``Fuse(PI(F2), De(F'3))``;
      ``De(F'2)``: convs ending at 64 channels.
    - ``F_out = Conc(unpool_1(De(F'2)) + F1, F1)`` (H x W x 128), as the text's
      ``Conc(Fuse(PI(F1), De(F2)), F1)``; level 0's convs (64 -> 64, SegNet's conv1_2_D) sit
      between the fusion and the concatenation so that both models keep the same depth.
    - the classifier (``conv_seg``) and softmax.

    "Deconvolution" in the text is the decoder's channel-reducing layer; a stride-1
    transposed convolution is a convolution with a flipped kernel, so ordinary convs are
    used (``conv_cfg=dict(type='deconv')`` would build the literal layer, same parameters).

    Args: as :class:`SegNetHead`.
    """

    def _classifier_in_channels(self) -> int:
        return self.channels + self.in_channels[0]

    def _fuse(self, x: Tensor, stage: PooledFeature) -> Tensor:
        return x + stage.features

    def _before_classifier(self, x: Tensor, stages: List[PooledFeature]) -> Tensor:
        return torch.cat([x, stages[0].features], dim=1)
