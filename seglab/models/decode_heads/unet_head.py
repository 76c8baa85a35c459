"""The U-Net decoder of study 000 (eq. 1), for any multi-scale encoder."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS

from ..utils.conv_block import conv_block
from ..utils.split_input_conv import SplitInputConv2d


@MODELS.register_module()
class UNetHead(BaseDecodeHead):
    """U-Net decoder: one UpBlock per skip level, coarsest to finest.

    Study 000 eq. (1): ``D_out = Psi(Concat(Upsample(D_in), E_skip))`` with ``Psi`` two 3x3
    conv + BN + ReLU and bilinear upsampling. The coarsest input is ``D_in`` of the first
    UpBlock; every other input is a skip. The same head serves the plain U-Net (five levels,
    stride 1..16), ResNet U-Nets (stem S0 at stride 2 + S1..S4) and MobileNet U-Nets: only
    ``in_channels`` (per level, finest first) changes with the encoder.

    Each decoder map is upsampled to the exact spatial size of its skip (not by a fixed x2),
    so odd input sizes such as VOC's 500x375 need no padding. The logits come out at the
    finest skip's resolution; ``BaseDecodeHead`` resizes them bilinearly to the label size
    (training) or the input size (inference). That is study 000's "final bilinear upsampling"
    when the finest skip is coarser than the input (ResNet's S0 at 1/2): bilinear
    interpolation and the 1x1 classifier are both linear and the interpolation weights sum
    to one, so upsampling the logits equals upsampling the features before ``conv_seg``
    (except for dropout, off by default), at a fraction of the cost.

    ``Psi``'s first conv takes ``Concat(Upsample(D_in), E_skip)`` as two convolutions summed
    (:class:`SplitInputConv2d`, one weight as before): the same function without building the
    concatenation or copying its gradient apart; the state dict is unchanged.
    ``concat_input=True`` concatenates as eq. (1) writes it, which reproduces runs recorded
    before this change bit-exactly (the summation order differs, so the two agree to float
    rounding only).

    Args:
        in_channels (Sequence[int]): Channels of each encoder output, finest first.
        channels (int): Output channels of the finest UpBlock (the input of ``conv_seg``).
        decoder_channels (Sequence[int], optional): Output channels of each UpBlock, finest
            first, one per skip (``len(in_channels) - 1``). ``decoder_channels[0]`` must
            equal ``channels``. Default: the skip widths ``in_channels[:-1]`` (the symmetric
            U-Net of Ronneberger et al.).
        num_convs (int): Convs per UpBlock. Default: 2.
        in_index (Sequence[int], optional): Backbone outputs to use. Default: all
            ``len(in_channels)`` outputs.
        norm_cfg (dict): Norm layer config. Default: ``dict(type='BN')``.
        act_cfg (dict): Activation config. Default: ``dict(type='ReLU', inplace=True)``.
        concat_input (bool): Feed each UpBlock's first conv the concatenation ``[up; skip]``
            instead of summing two convolutions. Default: False.
        **kwargs: ``BaseDecodeHead`` arguments (``num_classes``, ``dropout_ratio``,
            ``align_corners``, ``loss_decode``, ...).
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int,
                 decoder_channels: Optional[Sequence[int]] = None,
                 num_convs: int = 2,
                 in_index: Optional[Sequence[int]] = None,
                 norm_cfg: Optional[dict] = dict(type='BN', requires_grad=True),
                 act_cfg: Optional[dict] = dict(type='ReLU', inplace=True),
                 concat_input: bool = False,
                 **kwargs) -> None:
        if isinstance(in_channels, int) or len(in_channels) < 1:
            raise ValueError(
                f'{type(self).__name__}: in_channels must list the channels of every encoder '
                f'output, finest first (e.g. [64, 128, 256, 512, 1024]), got {in_channels!r}')
        if in_index is None:
            in_index = list(range(len(in_channels)))
        kwargs.setdefault('input_transform', 'multiple_select')
        super().__init__(
            in_channels=list(in_channels),
            channels=channels,
            in_index=list(in_index),
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            **kwargs)
        num_skips = len(in_channels) - 1
        if decoder_channels is None:
            decoder_channels = list(in_channels[:-1]) if num_skips else [in_channels[0]]
        decoder_channels = list(decoder_channels)
        if len(decoder_channels) != max(num_skips, 1) or decoder_channels[0] != channels:
            raise ValueError(
                f'{type(self).__name__}: decoder_channels must give one width per skip level '
                f'({num_skips} for in_channels={list(in_channels)}), finest first, and its '
                f'first entry must equal channels={channels}; got {decoder_channels}.')
        self.decoder_channels = decoder_channels
        self.concat_input = concat_input
        self.up_blocks = nn.ModuleList()
        for i in range(num_skips):
            below = in_channels[-1] if i == num_skips - 1 else decoder_channels[i + 1]
            block = conv_block(below + in_channels[i], decoder_channels[i], num_convs,
                               self.conv_cfg, norm_cfg, act_cfg)
            if type(block[0]) is nn.Conv2d:  # a custom conv_cfg layer keeps the concatenation
                block[0] = SplitInputConv2d.from_conv(block[0], [below, in_channels[i]])
            self.up_blocks.append(block)
        if num_skips == 0 and in_channels[0] != channels:
            raise ValueError(f'{type(self).__name__}: with a single input level, channels '
                             f'({channels}) must equal in_channels[0] ({in_channels[0]}).')

    def gate_skip(self, level: int, up: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        """The skip as fed to the UpBlock of ``level``; plain U-Net passes it through."""
        return skip

    def decode(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        """Run the UpBlocks over ``feats`` (finest first); returns the finest decoder map."""
        x = feats[-1]
        for level in range(len(feats) - 2, -1, -1):
            skip = feats[level]
            if x.shape[-2:] != skip.shape[-2:]:
                x = F.interpolate(
                    x, size=skip.shape[-2:], mode='bilinear', align_corners=self.align_corners)
            block = self.up_blocks[level]
            parts = (x, self.gate_skip(level, x, skip))
            if self.concat_input or not isinstance(block[0], SplitInputConv2d):
                x = block(torch.cat(parts, dim=1))
            else:
                x = block(parts)
        return x

    def forward(self, inputs: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        feats: List[torch.Tensor] = self._transform_inputs(inputs)
        return self.cls_seg(self.decode(feats))
