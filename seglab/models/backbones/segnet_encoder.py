"""SegNet's encoder: convolution stages, each followed by a 2x2 max-pool that records its argmax."""
from typing import Dict, Optional, Tuple, Union

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig
from ..utils.norm_eval import NormEvalMixin
from ..utils.pooling_indices import PooledFeature


@MODELS.register_module()
class SegNetEncoder(NormEvalMixin, BaseModule):
    """SegNet encoder (Badrinarayanan et al., "SegNet", TPAMI 2017, §3 and §4.1).

    Each stage is ``num_convs`` x (conv + BN + ReLU) followed by a 2x2/stride-2 max-pool with
    ``return_indices=True``. ``forward`` returns one
    :class:`~seglab.models.utils.PooledFeature` per stage (features before pooling, pooled
    features, argmax indices), shallow to deep: the pooling indices travel to the decoder
    inside the backbone's return value, so mmseg's ``EncoderDecoder`` needs no change and no
    state is kept between calls (slide inference and ``SegTTAModel`` work as for any model).

    Architectures (``arch``):

    - ``'basic'``: SegNet-Basic (§4.1): 4 stages of one 7x7 conv with 64 channels.
    - ``'vgg16_bn'``: the 13 convolutions of VGG16 with BN, stages of (2, 2, 3, 3, 3) convs
      with 64/128/256/512/512 channels.
    - a dict with ``stage_channels``, ``num_convs`` and ``kernel_size``.

    ``num_stages`` keeps the first stages only: ``arch='vgg16_bn', num_stages=3`` is study
    001's encoder (three downsamplings to H/8 with 64/128/256 channels).

    Any input size works: pooling uses ``ceil_mode=True`` by default (as SegNet's Caffe
    pooling), so no pixel is dropped on odd sizes and max-unpooling restores each stage's
    exact size from ``PooledFeature.features``; nothing is padded or cropped.

    Args:
        arch (str | dict): ``'basic'``, ``'vgg16_bn'`` or a custom dict (see above).
            Default: 'vgg16_bn'.
        num_stages (int, optional): number of stages to keep (from the first); None keeps
            all stages of ``arch``. Default: None.
        in_channels (int): input image channels. Default: 3.
        ceil_mode (bool): ``ceil_mode`` of the max-pools. Default: True.
        conv_cfg (dict, optional): conv layer config; None is ``nn.Conv2d``. Default: None.
        norm_cfg (dict): norm layer config. Default: dict(type='BN').
        act_cfg (dict, optional): activation config. Default: dict(type='ReLU').
        norm_eval (bool): keep BN layers in eval mode while training. Default: False.
        init_cfg (dict | list[dict], optional): initialisation config; None keeps
            ``ConvModule``'s He (Kaiming) initialisation, as SegNet (§4.1). Default: None.
    """

    arch_settings: Dict[str, dict] = {
        'basic': dict(stage_channels=(64, 64, 64, 64), num_convs=(1, 1, 1, 1), kernel_size=7),
        'vgg16_bn': dict(stage_channels=(64, 128, 256, 512, 512), num_convs=(2, 2, 3, 3, 3),
                         kernel_size=3),
    }

    def __init__(self,
                 arch: Union[str, dict] = 'vgg16_bn',
                 num_stages: Optional[int] = None,
                 in_channels: int = 3,
                 ceil_mode: bool = True,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: OptConfigType = dict(type='ReLU'),
                 norm_eval: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        setting = self._resolve_arch(arch)
        stage_channels = tuple(setting['stage_channels'])
        num_convs = tuple(setting['num_convs'])
        kernel_size = int(setting['kernel_size'])
        total = len(stage_channels)
        if num_stages is None:
            num_stages = total
        if not 1 <= num_stages <= total:
            raise ValueError(f'SegNetEncoder: num_stages={num_stages} but arch {arch!r} has '
                             f'{total} stages; use 1..{total}.')
        self.stage_channels: Tuple[int, ...] = stage_channels[:num_stages]
        self.num_convs: Tuple[int, ...] = num_convs[:num_stages]
        self.ceil_mode = ceil_mode
        self.norm_eval = norm_eval

        self.stages = nn.ModuleList()
        prev = in_channels
        for channels, n in zip(self.stage_channels, self.num_convs):
            convs = []
            for i in range(n):
                convs.append(
                    ConvModule(prev if i == 0 else channels, channels, kernel_size,
                               padding=kernel_size // 2, conv_cfg=conv_cfg,
                               norm_cfg=norm_cfg, act_cfg=act_cfg))
            self.stages.append(nn.Sequential(*convs))
            prev = channels

    def _resolve_arch(self, arch: Union[str, dict]) -> dict:
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise KeyError(f'SegNetEncoder: unknown arch {arch!r}; use one of '
                               f'{sorted(self.arch_settings)} or a dict with stage_channels, '
                               f'num_convs and kernel_size.')
            return self.arch_settings[arch]
        if not isinstance(arch, dict):
            raise TypeError(f'SegNetEncoder: arch must be a str or a dict, got {type(arch)}.')
        missing = {'stage_channels', 'num_convs', 'kernel_size'} - set(arch)
        if missing:
            raise KeyError(f'SegNetEncoder: custom arch lacks {sorted(missing)}.')
        if len(arch['stage_channels']) != len(arch['num_convs']) or min(arch['num_convs']) < 1:
            raise ValueError('SegNetEncoder: custom arch needs one num_convs >= 1 per entry of '
                             f'stage_channels; got {arch}.')
        return arch

    def forward(self, x: Tensor) -> Tuple[PooledFeature, ...]:
        """Return one ``PooledFeature`` per stage, shallow to deep."""
        outs = []
        for stage in self.stages:
            features = stage(x)
            x, indices = F.max_pool2d(features, kernel_size=2, stride=2,
                                      ceil_mode=self.ceil_mode, return_indices=True)
            outs.append(PooledFeature(features, x, indices, 2, 2))
        return tuple(outs)
