"""An encoder-decoder with image-level heads (label / presence, box) next to the mask."""
from typing import Dict, List, Optional

import torch
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor, nn

from .memory_format_encoder_decoder import MemoryFormatEncoderDecoder


@MODELS.register_module()
class MultiTaskEncoderDecoder(MemoryFormatEncoderDecoder):
    """One backbone, a decode head (the mask) and image-level heads on a shared pooled trunk.

    The multi-task model of "LAB 2 Report: Object Detection, Semantic Segmentation and
    Transfer Learning" (study 002, §6.1): the mask branch is the decode head on the backbone
    output; global average pooling and two FC blocks (``image_neck``, e.g.
    :class:`GlobalPoolFCNeck`) feed a label branch (:class:`ImageClassificationHead`) and a
    box branch (:class:`BoxRegressionHead`). The losses are summed; each image head's terms
    are logged as ``<name>.<loss>`` (``cls.loss_ce``, ``box.loss_l1``), the decode head's as
    mmseg's ``decode.loss_ce``. Each head's weight is its own ``loss_weight``.

    ``decode_head=None`` gives the image-only model (label + box, the study's detection
    counterpart); ``image_heads=None`` is exactly :class:`MemoryFormatEncoderDecoder`.
    ``predict`` returns mmseg's ``pred_sem_seg``/``seg_logits`` plus each image head's fields
    (``pred_label``, ``pred_scores``, ``pred_bbox``; see the heads) in the same data samples,
    so ``tools/test.py``, the inference API and the segmentation metrics work unchanged. In
    ``test_cfg.mode='whole'`` the backbone runs once for all heads. Under autocast (``--amp``)
    the image branch runs in fp32.

    Args:
        image_heads (dict, optional): ``{name: head config}``, e.g.
            ``dict(cls=dict(type='ImageClassificationHead', ...), box=dict(...))``; each
            head's ``in_channels`` is the neck's output width. Default: None.
        image_neck (dict, optional): The shared trunk; None = global average pooling of the
            last backbone output (``GlobalPoolFCNeck`` with no FC block, ``in_channels``
            must then be the backbone's). Default: None.
        decode_head (dict, optional): As ``EncoderDecoder``; None = no mask branch.
            Default: None.
        *args, **kwargs: ``MemoryFormatEncoderDecoder`` arguments.
    """

    def __init__(self,
                 *args,
                 image_heads: Optional[Dict[str, dict]] = None,
                 image_neck: Optional[dict] = None,
                 decode_head: Optional[dict] = None,
                 **kwargs) -> None:
        self._image_cfgs = (image_heads or {}, image_neck)
        self._constructing = True
        super().__init__(*args, decode_head=decode_head, **kwargs)
        self._constructing = False

    @property
    def with_decode_head(self) -> bool:
        # EncoderDecoder.__init__ asserts a decode head; an image-only model passes it while
        # it is being built and reports its real state afterwards.
        return getattr(self, '_constructing', False) or getattr(
            self, 'decode_head', None) is not None

    def _init_decode_head(self, decode_head: Optional[dict]) -> None:
        image_heads, image_neck = self._image_cfgs
        if decode_head is None and not image_heads:
            raise ValueError('MultiTaskEncoderDecoder: set model.decode_head, '
                             'model.image_heads or both.')
        if decode_head is not None:
            super()._init_decode_head(decode_head)
        else:
            self.decode_head = None
            self.align_corners = False
            self.num_classes = self.out_channels = None
        # Built here, inside EncoderDecoder.__init__, so the channels-last conversion at the
        # end of MemoryFormatEncoderDecoder.__init__ covers them too.
        self.image_neck = MODELS.build(
            image_neck or dict(type='GlobalPoolFCNeck', in_channels=1, hidden_channels=()))
        for name in image_heads:
            if '.' in name or not name:
                raise ValueError(f'MultiTaskEncoderDecoder: image head name {name!r} must be '
                                 f'a non-empty name without dots (it prefixes its losses).')
        self.image_heads = nn.ModuleDict(
            {name: MODELS.build(cfg) for name, cfg in image_heads.items()})

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        x = self.extract_feat(inputs)
        losses = {}
        if self.with_decode_head:
            losses.update(self._decode_head_forward_train(x, data_samples))
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(x, data_samples))
        if self.image_heads:
            with self._full_precision(x):
                pooled = self.image_neck(self._float(x))
                for name, head in self.image_heads.items():
                    losses.update({f'{name}.{k}': v
                                   for k, v in head.loss(pooled, data_samples).items()})
        return losses

    @staticmethod
    def _full_precision(x):
        # The image branch is a small MLP on pooled vectors: run it in fp32 under autocast
        # (bf16 rounding in BatchNorm1d over a small batch moved the label loss by ~5 %).
        return torch.autocast(device_type=x[-1].device.type, enabled=False)

    @staticmethod
    def _float(x):
        return [t.float() for t in x] if isinstance(x, (list, tuple)) else x.float()

    def predict(self, inputs: Tensor, data_samples: OptSampleList = None) -> SampleList:
        if data_samples is None:
            shape = tuple(inputs.shape[2:])
            data_samples = [SegDataSample(metainfo=dict(
                ori_shape=shape, img_shape=shape, pad_shape=shape, padding_size=[0, 0, 0, 0]))
                for _ in range(inputs.shape[0])]
        batch_img_metas = [sample.metainfo for sample in data_samples]
        whole = self.test_cfg.get('mode', 'whole') == 'whole'
        x = self.extract_feat(inputs) if (whole or not self.with_decode_head) else None
        if self.with_decode_head:
            if whole:
                seg_logits = self.decode_head.predict(x, batch_img_metas, self.test_cfg)
            else:
                seg_logits = self.inference(inputs, batch_img_metas)
            data_samples = self.postprocess_result(seg_logits, data_samples)
        if self.image_heads:
            if x is None:
                x = self.extract_feat(inputs)
            with self._full_precision(x):
                pooled = self.image_neck(self._float(x))
                for head in self.image_heads.values():
                    head.predict(pooled, data_samples)
        return data_samples

    def _forward(self, inputs: Tensor, data_samples: OptSampleList = None):
        if self.with_decode_head:
            return super()._forward(inputs, data_samples)
        pooled = self.image_neck(self.extract_feat(inputs))
        return {name: head(pooled) for name, head in self.image_heads.items()}

    def image_head_losses_from_predictions(self, data_samples: List[SegDataSample]) -> dict:
        """Each image head's loss on what ``predict`` stored in ``data_samples``."""
        losses = {}
        for name, head in self.image_heads.items():
            losses.update({f'{name}.{k}': v
                           for k, v in head.loss_from_predictions(data_samples).items()})
        return losses
