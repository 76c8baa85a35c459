"""Export a segmentor to ONNX and check the file against PyTorch with onnxruntime.

The exported graph takes what mmcv's loaders produce, an image batch ``(N, 3, H, W)`` as
float32 in 0..255 in the channel order the config loads (BGR for mmcv's loaders), and
returns the logits ``(N, num_classes, H, W)`` at the input size: the model's data
preprocessor (channel swap, mean/std) and the head's final resize are inside the graph, the
test pipeline's resize and padding are not (give the size the model expects, e.g. a multiple
of ``test_cfg.size_divisor``). ``onnx`` and ``onnxruntime`` are optional
(``pip install -e ".[onnx]"``).
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from mmseg.models import BaseSegmentor
from mmseg.models.utils import resize
from torch import Tensor, nn

INPUT_NAME = 'image'
OUTPUT_NAME = 'seg_logits'


class ExportableSegmentor(nn.Module):
    """Preprocessing + ``_forward`` + resize to the input size, as one traceable module.

    Args:
        model (BaseSegmentor): An encoder-decoder in eval mode.
    """

    def __init__(self, model: BaseSegmentor) -> None:
        super().__init__()
        self.model = model
        preprocessor = model.data_preprocessor
        # SegDataPreProcessor's own switches (mmseg 1.2 attribute names).
        self.bgr_to_rgb = bool(preprocessor.channel_conversion)
        self.normalize = bool(preprocessor._enable_normalize)

    def forward(self, image: Tensor) -> Tensor:
        if self.bgr_to_rgb:
            image = image[:, [2, 1, 0], ...]
        if self.normalize:
            preprocessor = self.model.data_preprocessor
            image = (image - preprocessor.mean) / preprocessor.std
        logits = self.model._forward(image)
        return resize(logits, size=image.shape[2:], mode='bilinear',
                      align_corners=self.model.align_corners)


def export_onnx(model: BaseSegmentor, path: str, shape: Tuple[int, int],
                dynamic: bool = False, opset: int = 17) -> ExportableSegmentor:
    """Write ``model`` as ONNX to ``path`` for ``(1, 3, *shape)`` inputs.

    Args:
        model (BaseSegmentor): The segmentor (put in eval mode here).
        path (str): Output ``.onnx`` file.
        shape (tuple[int, int]): Input height and width used for tracing.
        dynamic (bool): Make batch, height and width dynamic axes. Default: False.
        opset (int): ONNX opset. Default: 17.

    Returns:
        ExportableSegmentor: The PyTorch module that was exported (the parity reference).
    """
    wrapper = ExportableSegmentor(model.eval()).eval()
    dummy = torch.rand(1, 3, *shape) * 255
    axes = {0: 'batch', 2: 'height', 3: 'width'}
    with torch.no_grad():
        # The TorchScript exporter: no onnxscript dependency, and it handles data-dependent
        # control flow of the heads (odd sizes in SegNet unpooling) by tracing one shape.
        torch.onnx.export(
            wrapper, (dummy, ), path, dynamo=False, opset_version=opset,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: axes, OUTPUT_NAME: axes} if dynamic else None)
    return wrapper


def check_onnx(wrapper: ExportableSegmentor, path: str,
               shapes: Sequence[Tuple[int, ...]], seed: int = 0) -> Dict[Tuple[int, ...], float]:
    """Max absolute logit difference between onnxruntime and PyTorch, per input shape.

    Args:
        wrapper (ExportableSegmentor): What :func:`export_onnx` returned.
        path (str): The ``.onnx`` file.
        shapes (Sequence[tuple]): Full input shapes ``(N, 3, H, W)`` to compare on.
        seed (int): Seed of the random test images. Default: 0.
    """
    try:
        import onnxruntime
    except ImportError as err:
        raise ImportError('The ONNX parity check needs onnxruntime: pip install -e ".[onnx]" '
                          '(or pass --skip-check).') from err
    session = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    generator = torch.Generator().manual_seed(seed)
    differences = {}
    for shape in shapes:
        image = torch.rand(*shape, generator=generator) * 255
        with torch.no_grad():
            expected = wrapper(image).numpy()
        got = session.run([OUTPUT_NAME], {INPUT_NAME: image.numpy()})[0]
        if got.shape != expected.shape:
            raise RuntimeError(f'ONNX output shape {got.shape} != PyTorch {expected.shape} for '
                               f'input {tuple(shape)}')
        differences[tuple(shape)] = float(np.abs(got - expected).max())
    return differences


def check_shapes(shape: Tuple[int, int], dynamic: bool,
                 size_divisor: Optional[int] = None) -> list:
    """The input shapes to check: the export shape, and with ``dynamic`` a batch of 2 at
    another size (a multiple of ``size_divisor``, the model's padding unit)."""
    shapes = [(1, 3, *shape)]
    if dynamic:
        step = size_divisor or 32
        shapes.append((2, 3, shape[0] + step, max(step, shape[1] - step)))
    return shapes
