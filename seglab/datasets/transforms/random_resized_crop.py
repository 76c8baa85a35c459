"""RandomResizedCrop for segmentation: one crop box for the image and every label map."""
import math
from typing import Sequence, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class SegRandomResizedCrop(BaseTransform):
    """Crop a random area and aspect ratio, then resize to ``size`` (study 000 §4.2).

    torchvision's ``RandomResizedCrop`` rule, which mmseg lacks and mmpretrain has for
    images only: up to 10 tries of an area fraction from ``U(scale)`` and an aspect ratio
    (w/h) log-uniform in ``ratio``; if none fits, a central crop with the ratio clamped to
    the range. The image is resized bilinearly and every map of ``seg_fields`` with the
    nearest neighbour, so labels stay labels. Randomness comes from numpy's global
    generator, like mmcv's transforms, so seeding and exact resume cover it.

    Required keys: img, seg_fields (optional); modified: img, gt_seg_map..., img_shape.

    Args:
        size (tuple[int, int]): Output (h, w).
        scale (tuple[float, float]): Range of the crop area as a fraction of the image.
            Study 000: (0.8, 1.0). Default: (0.08, 1.0).
        ratio (tuple[float, float]): Range of the crop aspect ratio w/h. Study 000: (0.9, 1.1).
            Default: (3 / 4, 4 / 3).
    """

    def __init__(self,
                 size: Sequence[int],
                 scale: Tuple[float, float] = (0.08, 1.0),
                 ratio: Tuple[float, float] = (3 / 4, 4 / 3)) -> None:
        if not (0 < scale[0] <= scale[1] <= 1):
            raise ValueError(f'SegRandomResizedCrop: scale must satisfy 0 < min <= max <= 1, '
                             f'got {scale}')
        if not (0 < ratio[0] <= ratio[1]):
            raise ValueError(f'SegRandomResizedCrop: ratio must satisfy 0 < min <= max, '
                             f'got {ratio}')
        self.size = tuple(size)
        self.scale = tuple(scale)
        self.ratio = tuple(ratio)

    def crop_box(self, height: int, width: int) -> Tuple[int, int, int, int]:
        """(top, left, h, w) of the crop, torchvision's sampling rule."""
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target_area = area * np.random.uniform(*self.scale)
            aspect = math.exp(np.random.uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return (np.random.randint(0, height - h + 1), np.random.randint(0, width - w + 1),
                        h, w)
        in_ratio = width / height
        if in_ratio < self.ratio[0]:
            w, h = width, int(round(width / self.ratio[0]))
        elif in_ratio > self.ratio[1]:
            h, w = height, int(round(height * self.ratio[1]))
        else:
            h, w = height, width
        return (height - h) // 2, (width - w) // 2, h, w

    def transform(self, results: dict) -> dict:
        img = results['img']
        top, left, h, w = self.crop_box(*img.shape[:2])
        out_h, out_w = self.size
        results['img'] = mmcv.imresize(img[top:top + h, left:left + w], (out_w, out_h),
                                       interpolation='bilinear')
        for key in results.get('seg_fields', []):
            results[key] = mmcv.imresize(results[key][top:top + h, left:left + w],
                                         (out_w, out_h), interpolation='nearest')
        results['img_shape'] = results['img'].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(size={self.size}, scale={self.scale}, '
                f'ratio={self.ratio})')
