"""Global average pooling + fully connected blocks shared by the image-level heads."""
from typing import Sequence, Union

import torch
from mmseg.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class GlobalPoolFCNeck(nn.Module):
    """Pool one backbone output to a vector, then ``FC + ReLU + BN`` blocks.

    The trunk of the image-level branches of "LAB 2 Report: Object Detection, Semantic
    Segmentation and Transfer Learning" (study 002, §4.1 and §6.1): global average pooling of
    the backbone output, two fully connected blocks with ReLU and batch normalisation, shared
    by the label and the bounding-box branch. The paper does not give the block widths.

    Args:
        in_channels (int): Channels of the pooled backbone output.
        hidden_channels (Sequence[int]): Width of each FC block; ``()`` = pooling only.
            Default: (256, 256).
        in_index (int): Which backbone output is pooled. Default: -1 (the last).
        dropout_ratio (float): Dropout after the blocks. Default: 0.

    A training batch of one image is normalised with the running statistics (PyTorch's
    BatchNorm cannot compute batch statistics of one vector).
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: Sequence[int] = (256, 256),
                 in_index: int = -1,
                 dropout_ratio: float = 0.0) -> None:
        super().__init__()
        self.in_index = in_index
        blocks, width = [], in_channels
        for channels in hidden_channels:
            blocks += [nn.Linear(width, channels), nn.ReLU(inplace=True),
                       nn.BatchNorm1d(channels)]
            width = channels
        if dropout_ratio > 0:
            blocks.append(nn.Dropout(dropout_ratio))
        self.blocks = nn.Sequential(*blocks)
        self.out_channels = width

    def forward(self, feats: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        x = feats if isinstance(feats, Tensor) else feats[self.in_index]
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        for block in self.blocks:
            if isinstance(block, nn.BatchNorm1d) and self.training and x.shape[0] == 1:
                # One vector has no batch statistics (PyTorch raises; an epoch's last batch
                # can hold one image): normalise it with the running ones, update nothing.
                x = nn.functional.batch_norm(x, block.running_mean, block.running_var,
                                             block.weight, block.bias, False, 0.0, block.eps)
            else:
                x = block(x)
        return x
