"""A ``segmentation_models_pytorch`` network run as an mmseg segmentor (a benchmark peer)."""
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

from .memory_format_encoder_decoder import MEMORY_FORMATS


@MODELS.register_module()
class SMPSegmentor(BaseSegmentor):
    """A ``segmentation_models_pytorch`` network run as an mmseg segmentor (benchmark peer).

    Lets ``tools/analysis_tools/benchmark.py`` time e.g.
    ``smp.Unet('resnet50', encoder_weights=None)`` through the same ``data_preprocessor`` ->
    loss -> optimizer step as mmseg models. Not for studies. ``segmentation_models_pytorch``
    is imported when the model is built, not when seglab is: it is an optional dependency
    (``requirements/benchmark.txt``).

    Args:
        arch (str): smp architecture, e.g. ``'Unet'``. Default: ``'Unet'``.
        num_classes (int): output classes (smp's ``classes``). Default: 8.
        net_kwargs (dict, optional): further smp arguments, e.g.
            ``dict(encoder_name='resnet50', encoder_weights=None)``. Default: None.
        loss_decode (dict, optional): mmseg loss config. Default: None (``CrossEntropyLoss``).
        ignore_index (int): label ignored by the loss. Default: 255.
        memory_format (str): ``'contiguous'`` (NCHW, as smp ships its models) or
            ``'channels_last'`` (NHWC weights and inputs, as
            :class:`MemoryFormatEncoderDecoder`). Default: ``'contiguous'``.
        data_preprocessor (dict, optional): mmseg ``SegDataPreProcessor`` config.
            Default: None.
        train_cfg, test_cfg (dict, optional): accepted for mmseg's config layout; unused.
            Default: None.
        init_cfg (dict, optional): mmengine initialisation config. Default: None.
    """

    def __init__(self,
                 arch: str = 'Unet',
                 num_classes: int = 8,
                 net_kwargs: Optional[dict] = None,
                 loss_decode: Optional[dict] = None,
                 ignore_index: int = 255,
                 memory_format: str = 'contiguous',
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if memory_format not in MEMORY_FORMATS:
            raise ValueError(
                f'{type(self).__name__}: memory_format must be one of '
                f'{sorted(MEMORY_FORMATS)}, got {memory_format!r} (set model.memory_format).')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        try:
            import segmentation_models_pytorch as smp
        except ImportError as exc:
            raise ImportError(
                'SMPSegmentor (model.type) needs segmentation_models_pytorch: '
                'pip install segmentation-models-pytorch '
                '(or pip install -r requirements/benchmark.txt)') from exc
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.align_corners = False
        self.out_channels = num_classes
        self.net = getattr(smp, arch)(classes=num_classes, **(net_kwargs or {}))
        self.loss_decode = MODELS.build(loss_decode or dict(type='CrossEntropyLoss'))
        self.memory_format = MEMORY_FORMATS[memory_format]
        self.to(memory_format=self.memory_format)

    def init_weights(self) -> None:
        super().init_weights()
        self.to(memory_format=self.memory_format)

    def _run_net(self, inputs: Tensor) -> Tensor:
        return self.net(inputs.contiguous(memory_format=self.memory_format))

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        return self.net.encoder(inputs.contiguous(memory_format=self.memory_format))

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        return self._run_net(inputs)

    def loss(self, inputs: Tensor, data_samples) -> dict:
        logits = self._run_net(inputs)
        label = torch.stack([s.gt_sem_seg.data for s in data_samples]).squeeze(1)
        if logits.shape[-2:] != label.shape[-2:]:
            logits = F.interpolate(logits, label.shape[-2:], mode='bilinear',
                                   align_corners=False)
        return dict(loss_ce=self.loss_decode(logits, label, ignore_index=self.ignore_index))

    def predict(self, inputs: Tensor, data_samples=None):
        if data_samples is None:
            data_samples = [
                SegDataSample(metainfo=dict(img_shape=inputs.shape[2:], ori_shape=inputs.shape[2:],
                                            pad_shape=inputs.shape[2:], padding_size=[0] * 4))
                for _ in range(inputs.shape[0])
            ]
        return self.postprocess_result(self._run_net(inputs), data_samples)

    def _forward(self, inputs: Tensor, data_samples=None) -> Tensor:
        return self._run_net(inputs)
