"""Image-level targets (presence, label, box) derived from the segmentation mask."""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS
from scipy import ndimage


@TRANSFORMS.register_module()
class MaskImageTargets(BaseTransform):
    """Derive ``gt_presence``, ``gt_label`` and ``gt_bboxes`` from ``gt_seg_map``.

    For datasets with masks only (``VOCSubsetDataset``): put it after the loading and the
    geometric transforms (crops included: the targets describe the mask the network sees)
    and as the last transform before :class:`PackMultiTaskInputs` (the box is normalised by
    the mask's size, so a test pipeline that resizes only the image is handled).

    - ``gt_presence[c] = 1`` if class ``c`` (0 = background included) has a pixel;
    - ``gt_label``: the non-background class with the most pixels (ties: the lower id),
      ``-1`` if the mask shows no object class;
    - ``gt_bboxes``: the extent of the largest 8-connected component of that class (the
      "largest object": VOC's class masks merge touching instances), in pixels
      ``[[x1, y1, x2 + 1, y2 + 1]]``; ``(0, 4)`` without an object class.

    Ignored pixels (``ignore_index``) count for no class. Without ``gt_seg_map`` (the
    inference pipeline, which drops the label loader) nothing is added.

    Args:
        num_classes (int, optional): Length of ``gt_presence``; None = ``results['num_classes']``
            (set by seglab's datasets). Default: None.
        ignore_index (int): Label of ignored pixels. Default: 255.
    """

    def __init__(self, num_classes: Optional[int] = None, ignore_index: int = 255) -> None:
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        if 'gt_seg_map' not in results:  # inference pipelines drop the label loader
            return results
        num_classes = self.num_classes or results.get('num_classes')
        if num_classes is None:
            raise KeyError('MaskImageTargets: set num_classes=... (the dataset puts no '
                           'num_classes into its samples).')
        mask = np.asarray(results['gt_seg_map'])
        results['gt_bboxes_shape'] = mask.shape[:2]  # the box is in the mask's pixels
        counts = np.bincount(mask[mask != self.ignore_index].ravel().astype(np.int64),
                             minlength=num_classes)[:num_classes]
        results['gt_presence'] = (counts > 0).astype(np.float32)
        if counts[1:].sum() == 0:
            results['gt_label'] = -1
            results['gt_bboxes'] = np.zeros((0, 4), np.float32)
            return results
        label = int(np.argmax(counts[1:])) + 1
        components, _ = ndimage.label(mask == label, structure=np.ones((3, 3)))
        largest = int(np.argmax(np.bincount(components.ravel())[1:])) + 1
        ys, xs = np.nonzero(components == largest)
        results['gt_label'] = label
        results['gt_bboxes'] = np.array(
            [[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], np.float32)
        return results
