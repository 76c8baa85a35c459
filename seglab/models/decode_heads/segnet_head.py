"""SegNet's decoder: max-unpooling with the encoder's pooling indices, then convolutions."""
from typing import List, Optional, Sequence

import torch.nn as nn
from mmcv.cnn import ConvModule
from torch import Tensor

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from ..utils.pooling_indices import PooledFeature, check_pooled_features


@MODELS.register_module()
class SegNetHead(BaseDecodeHead):
    """SegNet decoder (Badrinarayanan et al., "SegNet", TPAMI 2017, §3).

    Decoder level ``k`` mirrors encoder stage ``k`` (deepest first): it max-unpools its input
    with stage ``k``'s pooling indices to the stage's pre-pooling size (values go back to the
    positions of their maxima, zeros elsewhere), then applies ``num_convs[k]`` conv + BN
    (+ ReLU) layers; the last one maps to the channels of stage ``k - 1`` (to ``channels``
    at level 0). ``conv_seg`` (kernel ``seg_kernel_size``) classifies each pixel. The logits
    have the input's size for any input size.

    The encoder must be :class:`~seglab.models.backbones.SegNetEncoder` (or return one
    :class:`~seglab.models.utils.PooledFeature` per stage): the indices travel inside the
    backbone's return value through mmseg's ``EncoderDecoder``; nothing is stored on the
    module between calls.

    Presets (see ``configs/_base_/models/segnet*.py``): VGG16-BN SegNet
    ``num_convs=(1, 2, 3, 3, 3), seg_kernel_size=3`` (13 decoder convs counting the
    classifier, as SegNet's Caffe model); SegNet-Basic ``num_convs=(1, 1, 1, 1),
    kernel_size=7, act_cfg=None`` (no ReLU in its decoder, §4.1) and a 1x1 classifier.

    Args:
        in_channels (Sequence[int]): channels of the encoder stages, shallow to deep.
        channels (int): channels of the level-0 output (the classifier's input).
        num_convs (Sequence[int]): convs per decoder level, shallow to deep (one per encoder
            stage). A level with 0 convs needs equal channels on both sides.
        kernel_size (int): kernel of the decoder convs. Default: 3.
        seg_kernel_size (int): kernel of the classifier ``conv_seg``. Default: 1.
        dropout_ratio (float): dropout before the classifier (SegNet has none; Bayesian
            SegNet would set it). Default: 0.0.
        **kwargs: the rest of :class:`mmseg.models.decode_heads.BaseDecodeHead`'s arguments
            (``num_classes``, ``norm_cfg``, ``act_cfg``, ``loss_decode``, ...).
            ``input_transform`` is always ``'multiple_select'``; ``in_index`` (Default:
            every stage).
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int,
                 num_convs: Sequence[int],
                 kernel_size: int = 3,
                 seg_kernel_size: int = 1,
                 dropout_ratio: float = 0.0,
                 in_index: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        name = type(self).__name__
        if isinstance(in_channels, int) or len(num_convs) != len(in_channels):
            raise ValueError(
                f'{name}: in_channels (one entry per encoder stage) and num_convs (one entry '
                f'per decoder level) must be sequences of the same length; got '
                f'in_channels={in_channels}, num_convs={num_convs}.')
        if kwargs.pop('input_transform', 'multiple_select') != 'multiple_select':
            raise ValueError(f"{name}: input_transform must be 'multiple_select' (it decodes "
                             'every encoder stage).')
        if in_index is None:
            in_index = list(range(len(in_channels)))
        super().__init__(list(in_channels), channels, dropout_ratio=dropout_ratio,
                         in_index=list(in_index), input_transform='multiple_select', **kwargs)
        self.num_convs = tuple(num_convs)
        self.levels = nn.ModuleList()
        for k, (cin, n) in enumerate(zip(self.in_channels, self.num_convs)):
            cout = self.in_channels[k - 1] if k > 0 else channels
            if n == 0 and cin != cout:
                raise ValueError(f'{name}: decoder level {k} has num_convs=0 but must turn '
                                 f'{cin} channels into {cout}; give it at least one conv.')
            convs = [
                ConvModule(cin, cout if i == n - 1 else cin, kernel_size,
                           padding=kernel_size // 2, conv_cfg=self.conv_cfg,
                           norm_cfg=self.norm_cfg, act_cfg=self.act_cfg) for i in range(n)
            ]
            self.levels.append(nn.Sequential(*convs))
        # BaseDecodeHead builds a 1x1 conv_seg on `channels`; SegNet's VGG model classifies
        # with a 3x3 conv, and a subclass may widen the classifier's input.
        self.conv_seg = nn.Conv2d(self._classifier_in_channels(), self.out_channels,
                                  seg_kernel_size, padding=seg_kernel_size // 2)

    def _classifier_in_channels(self) -> int:
        return self.channels

    def _fuse(self, x: Tensor, stage: PooledFeature) -> Tensor:
        """Combine the unpooled decoder tensor with its encoder stage (SegNet: nothing)."""
        return x

    def _before_classifier(self, x: Tensor, stages: List[PooledFeature]) -> Tensor:
        return x

    def forward(self, inputs: Sequence[PooledFeature]) -> Tensor:
        """Decode the encoder stages (shallow to deep) into logits at the input size."""
        check_pooled_features(inputs, type(self).__name__)
        stages = self._transform_inputs(inputs)
        x = stages[-1].pooled
        for k in reversed(range(len(stages))):
            x = stages[k].unpool(x)
            x = self._fuse(x, stages[k])
            x = self.levels[k](x)
        x = self._before_classifier(x, stages)
        return self.cls_seg(x)
