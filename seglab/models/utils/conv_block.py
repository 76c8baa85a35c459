"""The ConvBlock of study 000 (eq. 1) shared by seglab's U-Net encoder and decoders."""
from typing import Optional

import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_conv_layer, build_norm_layer


def conv_block(in_channels: int,
               out_channels: int,
               num_convs: int = 2,
               conv_cfg: Optional[dict] = None,
               norm_cfg: Optional[dict] = dict(type='BN'),
               act_cfg: Optional[dict] = dict(type='ReLU', inplace=True)) -> nn.Sequential:
    """``num_convs`` x (3x3 conv + norm + activation), spatial size kept (study 000's Psi).

    A flat ``nn.Sequential`` of plain layers rather than mmcv ``ConvModule``s: the layers keep
    PyTorch's default initialisation (study 000 trains from scratch with it; ``ConvModule``
    re-initialises its conv with Kaiming), the conv has no bias when a norm follows, and the
    ReLU works in place, so a block allocates one activation map per conv and nothing else.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels of every conv.
        num_convs (int): Number of conv layers. Default: 2 (study 000's ConvBlock).
        conv_cfg (dict, optional): Conv layer config. Default: None (``nn.Conv2d``).
        norm_cfg (dict, optional): Norm layer config, None for no norm (the conv then has a
            bias). Default: ``dict(type='BN')``.
        act_cfg (dict, optional): Activation config, None for none.
            Default: ``dict(type='ReLU', inplace=True)``.
    """
    layers = []
    for i in range(num_convs):
        layers.append(
            build_conv_layer(
                conv_cfg,
                in_channels if i == 0 else out_channels,
                out_channels,
                kernel_size=3,
                padding=1,
                bias=norm_cfg is None))
        if norm_cfg is not None:
            layers.append(build_norm_layer(norm_cfg, out_channels)[1])
        if act_cfg is not None:
            layers.append(build_activation_layer(act_cfg))
    return nn.Sequential(*layers)
