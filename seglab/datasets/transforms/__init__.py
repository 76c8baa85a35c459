"""Segmentation transforms that mmseg/mmcv lack, registered into mmseg's TRANSFORMS."""
from .checked_loading import CheckedLoadAnnotations, CheckedLoadImageFromFile
from .color_jitter import SegColorJitter
from .random_resized_crop import SegRandomResizedCrop

__all__ = [
    'CheckedLoadAnnotations', 'CheckedLoadImageFromFile', 'SegColorJitter',
    'SegRandomResizedCrop'
]
