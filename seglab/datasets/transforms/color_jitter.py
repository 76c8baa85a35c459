"""Brightness/contrast/saturation jitter with torchvision's ColorJitter semantics."""
from typing import Callable, List

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


def _gray(img: np.ndarray) -> np.ndarray:
    # ITU-R 601 luma of a BGR image (mmcv pipelines load BGR), as torchvision's rgb_to_grayscale.
    return img[..., 0] * 0.114 + img[..., 1] * 0.587 + img[..., 2] * 0.299


def _blend(img: np.ndarray, other, factor: float) -> np.ndarray:
    return (img - other) * factor + other


@TRANSFORMS.register_module()
class SegColorJitter(BaseTransform):
    """Photometric jitter of the image only (study 000 §4.2: ±0.15, ±0.15, ±0.10).

    Each factor is drawn from ``U(max(0, 1 - x), 1 + x)`` and the three adjustments are
    applied in a random order, as torchvision's ``ColorJitter``: brightness scales the
    image, contrast blends it with its mean grey level, saturation with its grey image.
    mmseg's ``PhotoMetricDistortion`` differs (additive brightness, hue jitter always on),
    hence this transform. Label maps are untouched.

    Args:
        brightness (float): x of the brightness factor range. Default: 0.15.
        contrast (float): x of the contrast factor range. Default: 0.15.
        saturation (float): x of the saturation factor range. Default: 0.1.
    """

    def __init__(self, brightness: float = 0.15, contrast: float = 0.15,
                 saturation: float = 0.10) -> None:
        for name, value in (('brightness', brightness), ('contrast', contrast),
                            ('saturation', saturation)):
            if value < 0:
                raise ValueError(f'SegColorJitter: {name} must be >= 0, got {value}')
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation

    @staticmethod
    def _factor(x: float) -> float:
        return float(np.random.uniform(max(0.0, 1 - x), 1 + x))

    def transform(self, results: dict) -> dict:
        img = results['img'].astype(np.float32)
        ops: List[Callable[[np.ndarray], np.ndarray]] = []
        if self.brightness > 0:
            f_b = self._factor(self.brightness)
            ops.append(lambda x: x * f_b)
        if self.contrast > 0:
            f_c = self._factor(self.contrast)
            ops.append(lambda x: _blend(x, _gray(x).mean(), f_c))
        if self.saturation > 0:
            f_s = self._factor(self.saturation)
            ops.append(lambda x: _blend(x, _gray(x)[..., None], f_s))
        for index in np.random.permutation(len(ops)):
            # torchvision clamps after each step; so do we.
            img = np.clip(ops[index](img), 0, 255)
        if results['img'].dtype == np.uint8:
            img = np.round(img).astype(np.uint8)
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(brightness={self.brightness}, '
                f'contrast={self.contrast}, saturation={self.saturation})')
