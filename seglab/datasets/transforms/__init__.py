"""Segmentation transforms that mmseg/mmcv lack, registered into mmseg's TRANSFORMS."""
from .checked_loading import CheckedLoadAnnotations, CheckedLoadImageFromFile
from .color_jitter import SegColorJitter
from .mask_image_targets import MaskImageTargets
from .pack_multi_task_inputs import PackMultiTaskInputs
from .random_resized_crop import SegRandomResizedCrop

__all__ = [
    'CheckedLoadAnnotations', 'CheckedLoadImageFromFile', 'SegColorJitter',
    'SegRandomResizedCrop', 'MaskImageTargets', 'PackMultiTaskInputs'
]
