"""mmseg's PackSegInputs plus the image-level targets (label, presence, box)."""
import numpy as np
import torch
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

# Where the box came from, for the error message (the dataset's annotation file).
BOX_SOURCE_KEY = 'bbox_source'
# The (h, w) the pixel box refers to when it is not img_shape (set by MaskImageTargets).
BOX_SHAPE_KEY = 'gt_bboxes_shape'


@TRANSFORMS.register_module()
class PackMultiTaskInputs(PackSegInputs):
    """Pack the image, the mask and the image-level targets into a ``SegDataSample``.

    Besides mmseg's fields, each sample gets (as data fields, moved to the device with it):

    - ``gt_label``: scalar long tensor from ``results['gt_label']`` (``-1`` = none);
    - ``gt_presence``: float ``(C,)`` 0/1 vector from ``results['gt_presence']``;
    - ``gt_bbox``: float ``(4,)`` box ``(x1, y1, x2, y2)`` normalised by the image size
      after the geometric transforms (``img_shape``, or ``gt_bboxes_shape`` when set), and
      ``gt_bbox_valid`` (bool), from ``results['gt_bboxes']`` (pixels, shape ``(1, 4)``;
      ``(0, 4)`` = no box). mmcv's
      ``Resize`` and ``RandomFlip`` (mmseg's too) transform ``gt_bboxes``; random crops do
      not (``OxfordPetDataset`` refuses them with boxes; derive boxes after a crop with
      ``MaskImageTargets``). A box reaching outside the image by more than one pixel is an
      error naming its annotation file.

    Absent keys give absent fields, except that ``gt_label``/``gt_bbox`` are filled as
    "ignored" (-1, invalid zeros) when another image-level target is present, so every
    sample of a batch carries the same fields.

    Args:
        meta_keys (Sequence[str]): As ``PackSegInputs``.
    """

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        sample = packed['data_samples']
        keys = ('gt_label', 'gt_presence', 'gt_bboxes')
        if not any(k in results for k in keys):
            return packed
        label = results.get('gt_label', -1)
        sample.gt_label = torch.tensor(-1 if label is None else int(label), dtype=torch.long)
        if results.get('gt_presence') is not None:
            sample.gt_presence = torch.as_tensor(
                np.asarray(results['gt_presence'], dtype=np.float32))
        boxes = results.get('gt_bboxes')
        boxes = np.zeros((0, 4), np.float32) if boxes is None else np.asarray(
            boxes, np.float32).reshape(-1, 4)
        if len(boxes) > 1:
            raise ValueError(f'PackMultiTaskInputs: {len(boxes)} boxes for '
                             f'{results.get("img_path")}; one box per image is supported.')
        stated = results.get('bbox_image_size')
        if len(boxes) and stated is not None and tuple(stated) != tuple(
                results['ori_shape'][:2]):
            raise ValueError(
                f'PackMultiTaskInputs: {results.get(BOX_SOURCE_KEY)} states an image size of '
                f'{stated[1]}x{stated[0]} but {results.get("img_path")} is '
                f'{results["ori_shape"][1]}x{results["ori_shape"][0]}; fix or delete the XML.')
        if len(boxes):
            # Boxes from the mask are in the mask's pixels (a test pipeline resizes the image
            # only); boxes from an annotation file follow the image through Resize.
            h, w = results.get(BOX_SHAPE_KEY, results['img_shape'])[:2]
            x1, y1, x2, y2 = boxes[0]
            if min(x1, y1) < -1 or x2 > w + 1 or y2 > h + 1 or x2 <= x1 or y2 <= y1:
                source = results.get(BOX_SOURCE_KEY) or results.get('img_path')
                raise ValueError(
                    f'PackMultiTaskInputs: the box {boxes[0].tolist()} of {source} is empty or '
                    f'outside the {w}x{h} image (after the pipeline\'s transforms). Fix the '
                    f'annotation file, or remove crops from a pipeline with boxes.')
            norm = np.clip(boxes[0] / np.array([w, h, w, h], np.float32), 0, 1)
            sample.gt_bbox = torch.as_tensor(norm)
            sample.gt_bbox_valid = torch.tensor(True)
        else:
            sample.gt_bbox = torch.zeros(4)
            sample.gt_bbox_valid = torch.tensor(False)
        return packed
