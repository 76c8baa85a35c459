"""Attention U-Net decoder (Oktay et al. 2018; study 004 §III.B)."""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmseg.registry import MODELS

from .unet_head import UNetHead


class AdditiveAttentionGate(nn.Module):
    """Additive attention gate: ``x * sigmoid(psi(relu(W_x x + W_g g)))``.

    Oktay et al. 2018, eq. (1)-(2): the gating signal ``g`` (the decoder map coming up from
    the coarser level) and the skip ``x`` are projected by 1x1 convs to ``inter_channels``,
    added, passed through ReLU, projected to one channel and squashed by a sigmoid into
    attention coefficients ``alpha`` in [0, 1] that scale the skip pixel-wise. We compute the
    gate at the skip's resolution from the already upsampled ``g`` (the decoder upsamples it
    anyway), the common Attention U-Net implementation, instead of Oktay's strided ``W_x``
    at the coarse resolution plus a resampled ``alpha``; both gate every skip pixel.

    Args:
        gate_channels (int): Channels of ``g``.
        skip_channels (int): Channels of ``x``.
        inter_channels (int): Channels of the joint projection.
        norm_cfg (dict, optional): Norm after each projection. Default: ``dict(type='BN')``.
    """

    def __init__(self,
                 gate_channels: int,
                 skip_channels: int,
                 inter_channels: int,
                 norm_cfg: Optional[dict] = dict(type='BN')) -> None:
        super().__init__()
        bias = norm_cfg is None

        def project(in_ch: int, out_ch: int) -> nn.Sequential:
            layers = [nn.Conv2d(in_ch, out_ch, kernel_size=1, bias=bias)]
            if norm_cfg is not None:
                layers.append(build_norm_layer(norm_cfg, out_ch)[1])
            return nn.Sequential(*layers)

        self.gate_proj = project(gate_channels, inter_channels)
        self.skip_proj = project(skip_channels, inter_channels)
        self.psi = project(inter_channels, 1)

    def coefficients(self, g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Attention coefficients ``alpha`` (N, 1, H, W) in [0, 1]."""
        joint = torch.relu_(self.gate_proj(g) + self.skip_proj(x))
        return torch.sigmoid(self.psi(joint))

    def forward(self, g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return x * self.coefficients(g, x)


@MODELS.register_module()
class AttentionUNetHead(UNetHead):
    """:class:`UNetHead` with an additive attention gate on every skip connection.

    Study 004 §III.B uses an Attention U-Net (Oktay et al. 2018) with the study-000 ConvBlock
    and a gate at each skip, ~31.4 M parameters. Each skip ``E_skip`` is replaced by
    ``AdditiveAttentionGate(Upsample(D_in), E_skip)`` before the concatenation, so with
    :class:`PlainUNetEncoder` (width 64) the model is the plain U-Net plus the gates
    (measured parameter count in docs/models.md).

    Args:
        inter_channels_ratio (float): ``inter_channels = max(1, skip_channels * ratio)`` for
            each gate. Default: 0.5 (Oktay et al.'s F_int = F_l / 2).
        **kwargs: :class:`UNetHead` arguments.
    """

    def __init__(self, inter_channels_ratio: float = 0.5, **kwargs) -> None:
        super().__init__(**kwargs)
        in_channels = self.in_channels
        num_skips = len(in_channels) - 1
        self.gates = nn.ModuleList()
        for level in range(num_skips):
            gate_channels = (in_channels[-1] if level == num_skips - 1 else
                             self.decoder_channels[level + 1])
            self.gates.append(
                AdditiveAttentionGate(
                    gate_channels, in_channels[level],
                    max(1, int(in_channels[level] * inter_channels_ratio)), self.norm_cfg))

    def gate_skip(self, level: int, up: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.gates[level](up, skip)
