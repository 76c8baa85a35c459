"""The light upsampling decoder of study 002 §5.1."""
from typing import Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS


@MODELS.register_module()
class LightUpsampleHead(BaseDecodeHead):
    """Study 002's decoder: ``len(block_channels)`` x (x2 upsample + 3x3 conv + ReLU), then
    a last x2 upsample before the 1x1 classifier.

    Study 002 §5.1 puts it on the stride-32 output of a MobileNetV3-Small: four blocks of
    "up sample 2x2 and convolutional 3x3 with same padding and ReLU" with 256, 128, 64 and 32
    filters bring the map to 1/2, and a final upsampling layer precedes the 1x1 softmax conv.
    No skip connections. The study's Keras ``UpSampling2D`` defaults to nearest-neighbour;
    ``upsample_mode`` keeps that choice open. The study has no batch norm in the decoder
    (``norm_cfg=None``, the convs then have a bias). As for every mmseg
    head, the final upsample is applied to the logits (the 1x1 conv commutes with it) and
    ``BaseDecodeHead`` resizes them to the label/input size, which also absorbs any size
    mismatch from odd input sizes.

    Args:
        in_channels (int): Channels of the encoder output used (``in_index``).
        channels (int): Channels of the last block, the input of ``conv_seg``; must equal
            ``block_channels[-1]``. Default: 32.
        block_channels (Sequence[int]): Filters of the upsampling blocks.
            Default: (256, 128, 64, 32).
        upsample_mode (str): ``'nearest'`` (Keras' default) or ``'bilinear'``.
            Default: 'nearest'.
        final_upsample (bool): Upsample x2 once more after the last block (the study). The
            logits then come out at 1/1 for a stride-32 encoder. Default: True.
        **kwargs: ``BaseDecodeHead`` arguments (``num_classes``, ``in_index``, ...).
    """

    def __init__(self,
                 in_channels: int,
                 channels: int = 32,
                 block_channels: Sequence[int] = (256, 128, 64, 32),
                 upsample_mode: str = 'nearest',
                 final_upsample: bool = True,
                 **kwargs) -> None:
        kwargs.setdefault('dropout_ratio', 0.0)
        super().__init__(in_channels=in_channels, channels=channels, **kwargs)
        if not block_channels or block_channels[-1] != channels:
            raise ValueError(
                f'LightUpsampleHead: channels ({channels}) must equal the last entry of '
                f'block_channels {tuple(block_channels)}')
        if upsample_mode not in ('nearest', 'bilinear'):
            raise ValueError(f"LightUpsampleHead: upsample_mode must be 'nearest' or "
                             f"'bilinear', got {upsample_mode!r}")
        align = self.align_corners if upsample_mode == 'bilinear' else None
        self.blocks = nn.Sequential()
        prev = self.in_channels
        for out in block_channels:
            self.blocks.append(nn.Upsample(scale_factor=2, mode=upsample_mode,
                                           align_corners=align))
            self.blocks.append(
                ConvModule(prev, out, 3, padding=1, conv_cfg=self.conv_cfg,
                           norm_cfg=self.norm_cfg, act_cfg=self.act_cfg))
            prev = out
        self.final_upsample = (nn.Upsample(scale_factor=2, mode=upsample_mode,
                                           align_corners=align)
                               if final_upsample else nn.Identity())

    def forward(self, inputs: Union[torch.Tensor, Tuple[torch.Tensor, ...]]) -> torch.Tensor:
        # mmseg's MobileNetV2 returns a bare tensor (not a 1-tuple) for a single out_index;
        # BaseDecodeHead would then index the batch dimension with in_index.
        x = inputs if isinstance(inputs, torch.Tensor) else self._transform_inputs(inputs)
        x = self.blocks(x)
        return self.final_upsample(self.cls_seg(x))
