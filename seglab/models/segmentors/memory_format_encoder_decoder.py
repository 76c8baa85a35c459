"""mmseg's EncoderDecoder run in a chosen memory format (channels-last by default)."""
from typing import List

import torch
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from torch import Tensor

MEMORY_FORMATS = {
    'channels_last': torch.channels_last,
    'contiguous': torch.contiguous_format,
}


@MODELS.register_module()
class MemoryFormatEncoderDecoder(EncoderDecoder):
    """:class:`mmseg.models.segmentors.EncoderDecoder` with weights and inputs in one layout.

    oneDNN (CPU) and cuDNN run convolutions on NHWC ("channels-last") tensors without the
    NCHW <-> blocked reorders they need around every NCHW conv, and each layer keeps the layout
    of its input, so converting the weights once and the image batch per step puts the whole
    network in NHWC. Measured on a training step here (docs/benchmarks.md): 1.1-1.5x on the
    U-Nets on CPU; on GPUs with AMP, NHWC is what tensor-core convolutions want.

    The computation is the same; only the summation order inside the kernels changes, so
    losses and gradients agree with the NCHW model to float rounding
    (tests/models/test_memory_format.py).
    The state dict holds the same tensors, so checkpoints load into mmseg's plain
    ``EncoderDecoder`` and back. Weights are put in the layout at construction, before mmengine
    wraps the model in DDP, and again after ``init_weights`` (pretrained checkpoints are copied
    into the existing tensors, which keeps their layout, but an initialiser may replace one).

    Args:
        memory_format (str): ``'channels_last'`` (NHWC) or ``'contiguous'`` (NCHW, exactly
            mmseg's ``EncoderDecoder``). Default: ``'channels_last'``.
        *args, **kwargs: ``EncoderDecoder`` arguments (``backbone``, ``decode_head``, ...).
    """

    def __init__(self, *args, memory_format: str = 'channels_last', **kwargs) -> None:
        if memory_format not in MEMORY_FORMATS:
            raise ValueError(
                f'{type(self).__name__}: memory_format must be one of '
                f'{sorted(MEMORY_FORMATS)}, got {memory_format!r} (set model.memory_format).')
        super().__init__(*args, **kwargs)
        self.memory_format = MEMORY_FORMATS[memory_format]
        self.to(memory_format=self.memory_format)

    def init_weights(self) -> None:
        super().init_weights()
        self.to(memory_format=self.memory_format)

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        if inputs.dim() == 4:
            inputs = inputs.contiguous(memory_format=self.memory_format)
        return super().extract_feat(inputs)
