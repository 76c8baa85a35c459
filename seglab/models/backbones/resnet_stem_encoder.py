"""ResNet encoder that also returns the stride-2 stem output (study 000 §3.2)."""
from typing import Tuple

import torch
from mmseg.models.backbones import ResNet
from mmseg.registry import MODELS


@MODELS.register_module()
class ResNetStemEncoder(ResNet):
    """torchvision-layout ResNet returning the stem output S0 and the stages S1..S4.

    Study 000 §3.2 decodes five levels of a ResNet-50: the stem output ``S0`` (64 channels,
    stride 2, after conv1/BN/ReLU and before the max-pool) and the four residual stages
    ``S1..S4`` (strides 4, 8, 16, 32; 256/512/1024/2048 channels for depth 50/101,
    64/128/256/512 for depth 18/34). Output order is finest first, ``(S0, S1, S2, S3, S4)``
    restricted to ``out_indices`` as in mmseg's ResNet, with the stem prepended when
    ``out_stem=True``.

    Why a subclass of mmseg's ``ResNet``: with ``style='pytorch'`` and ``deep_stem=False``
    (the defaults kept here) its parameter names are exactly torchvision's (``conv1``,
    ``bn1``, ``layer{i}.{j}.conv1/bn1/...``, ``downsample.0/1``), so
    ``init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')`` or a local
    torchvision ``state_dict`` file loads with no missing key (only torchvision's classifier
    ``fc.*`` is left over), and ``frozen_stages``, ``norm_eval``, dilations and plugins come
    for free. Only ``forward`` is extended to keep the stem output.

    Args:
        out_stem (bool): Prepend the stem output S0 to the outputs. Default: True.
        **kwargs: mmseg ``ResNet`` arguments (``depth`` in {18, 34, 50, 101, 152},
            ``out_indices``, ``frozen_stages``, ``norm_cfg``, ``norm_eval``, ``init_cfg``, ...).
            ``deep_stem=True`` (ResNetV1c layout) is refused: its keys are not torchvision's.
    """

    def __init__(self, out_stem: bool = True, **kwargs) -> None:
        if kwargs.get('deep_stem', False):
            raise ValueError(
                'ResNetStemEncoder loads torchvision-layout checkpoints, which have a single '
                '7x7 stem conv: remove deep_stem=True from the backbone config (or use mmseg '
                'ResNetV1c with its open-mmlab:// checkpoints instead).')
        super().__init__(**kwargs)
        self.out_stem = out_stem

    @property
    def out_channels(self) -> Tuple[int, ...]:
        """Channels of each output, finest first (what ``UNetHead.in_channels`` needs)."""
        stages = tuple(self.base_channels * 2**i * self.block.expansion
                       for i in range(self.num_stages))
        chosen = tuple(stages[i] for i in self.out_indices)
        return ((self.stem_channels, ) if self.out_stem else ()) + chosen

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        x = self.relu(self.norm1(self.conv1(x)))
        outs = [x] if self.out_stem else []
        x = self.maxpool(x)
        for i, layer_name in enumerate(self.res_layers):
            x = getattr(self, layer_name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
