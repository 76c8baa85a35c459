"""The from-scratch VGG-style U-Net encoder of study 000 §3.1 (Ronneberger et al. 2015)."""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS

from ..utils.conv_block import conv_block
from ..utils.norm_eval import NormEvalMixin


@MODELS.register_module()
class PlainUNetEncoder(NormEvalMixin, BaseModule):
    """U-Net contracting path: ConvBlocks with doubling width, 2x2 max-pool between them.

    Study 000 §3.1: four stages of two 3x3 conv + BN + ReLU whose channels double from 64 to
    512, 2x2 max-pooling with stride 2, and a bottleneck ConvBlock with 1024 channels at 1/16
    of the input. The encoder returns every stage output (finest first), which is what
    :class:`UNetHead` consumes: ``base_channels * 2**i`` channels at stride ``2**i`` for
    ``i = 0 .. num_stages - 1``. With ``base_channels=64`` and the default :class:`UNetHead`
    the model has ~31.0 M parameters (see docs/models.md).

    Any input size works: max-pooling floors odd sizes and the head upsamples each decoder map
    to the exact size of its skip. Only inputs smaller than ``2**(num_stages - 1)`` pixels
    (where the bottleneck would be empty) are refused with an error.

    Layers keep PyTorch's default initialisation (the study's choice) unless ``init_cfg``
    says otherwise.

    Args:
        in_channels (int): Input image channels. Default: 3.
        base_channels (int): Channels of the first stage; stage ``i`` has
            ``base_channels * 2**i``. Default: 64 (the study).
        num_stages (int): Number of ConvBlocks including the bottleneck. Default: 5
            (four stages + bottleneck at 1/16).
        num_convs (int): Convs per block. Default: 2.
        conv_cfg (dict, optional): Conv layer config. Default: None.
        norm_cfg (dict, optional): Norm layer config. Default: ``dict(type='BN')``.
        act_cfg (dict, optional): Activation config. Default: ``dict(type='ReLU')``.
        norm_eval (bool): Keep norm layers in eval mode while training. Default: False.
        init_cfg (dict | list[dict], optional): mmengine initialisation config. Default: None.
    """

    def __init__(self,
                 in_channels: int = 3,
                 base_channels: int = 64,
                 num_stages: int = 5,
                 num_convs: int = 2,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = dict(type='BN', requires_grad=True),
                 act_cfg: Optional[dict] = dict(type='ReLU', inplace=True),
                 norm_eval: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_stages < 1:
            raise ValueError(f'PlainUNetEncoder: num_stages must be >= 1, got {num_stages}')
        self.num_stages = num_stages
        self.norm_eval = norm_eval
        self.out_channels: List[int] = [base_channels * 2**i for i in range(num_stages)]
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.stages = nn.ModuleList()
        prev = in_channels
        for channels in self.out_channels:
            self.stages.append(
                conv_block(prev, channels, num_convs, conv_cfg, norm_cfg, act_cfg))
            prev = channels

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        min_size = 2**(self.num_stages - 1)
        if x.shape[-2] < min_size or x.shape[-1] < min_size:
            raise ValueError(
                f'PlainUNetEncoder with num_stages={self.num_stages} needs inputs of at least '
                f'{min_size}x{min_size} pixels, got {tuple(x.shape[-2:])}: enlarge the crop '
                f'size / test scale or lower num_stages.')
        outs = []
        for i, stage in enumerate(self.stages):
            if i > 0:
                x = self.pool(x)
            x = stage(x)
            outs.append(x)
        return tuple(outs)
