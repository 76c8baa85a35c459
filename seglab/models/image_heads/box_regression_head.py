"""Regression of one normalised bounding box per image (sigmoid outputs, L1 loss)."""
from typing import Dict, List

import torch
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor, nn

BOX_FORMATS = ('xyxy', 'cxcywh')


def xyxy_to_cxcywh(box: Tensor) -> Tensor:
    x1, y1, x2, y2 = box.unbind(-1)
    return torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], dim=-1)


def cxcywh_to_xyxy(box: Tensor) -> Tensor:
    cx, cy, w, h = box.unbind(-1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)


@MODELS.register_module()
class BoxRegressionHead(nn.Module):
    """Four sigmoid units: one box per image in coordinates normalised to [0, 1].

    The bounding-box branch of study 002 ("LAB 2 Report: Object Detection, Semantic
    Segmentation and Transfer Learning", §4.1/§6.1: 4 units, sigmoid, mean absolute error).
    The target is ``gt_bbox`` of each data sample (normalised ``(x1, y1, x2, y2)``, from
    :class:`PackMultiTaskInputs`) with ``gt_bbox_valid`` (False: no box for this image, left
    out of the loss). The L1 loss is the mean absolute error over the valid images' four
    coordinates in the head's ``box_format`` (``cxcywh``: centre, width, height), times
    ``loss_weight``, logged as ``<head name>.loss_l1``.

    Predictions written into each data sample: ``pred_bbox`` (normalised xyxy, clipped to
    [0, 1]) and ``pred_box_raw`` (the sigmoid outputs in ``box_format``, for the val loss).

    Args:
        in_channels (int): Width of the pooled vector.
        box_format (str): 'xyxy' or 'cxcywh'. Default: 'xyxy'.
        loss_weight (float): Weight of the L1 loss. Default: 1.0.
    """

    def __init__(self, in_channels: int, box_format: str = 'xyxy',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if box_format not in BOX_FORMATS:
            raise ValueError(f'BoxRegressionHead: box_format must be one of {BOX_FORMATS}, '
                             f'got {box_format!r}')
        self.box_format = box_format
        self.loss_weight = loss_weight
        self.fc = nn.Linear(in_channels, 4)

    @property
    def loss_names(self) -> list:
        return ['loss_l1']

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(x).sigmoid()

    def loss(self, x: Tensor, data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        return self.loss_by_output(self(x), data_samples)

    def loss_by_output(self, boxes: Tensor,
                       data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        """The L1 loss of ``boxes`` (N, 4, in ``box_format``) against the samples' boxes."""
        missing = [i for i, s in enumerate(data_samples) if 'gt_bbox' not in s]
        if missing:
            raise KeyError(f'BoxRegressionHead: data sample {missing[0]} has no gt_bbox; pack '
                           f'the dataset targets with PackMultiTaskInputs (instead of '
                           f'PackSegInputs) in the pipeline.')
        boxes = boxes.float()  # under autocast the boxes are bf16/fp16: the loss in fp32
        target = torch.stack([s.gt_bbox for s in data_samples]).to(boxes)
        valid = torch.stack([torch.as_tensor(s.get('gt_bbox_valid', True))
                             for s in data_samples]).to(boxes.device).bool().view(-1)
        if not valid.any():
            return {'loss_l1': boxes.sum() * 0}
        if self.box_format == 'cxcywh':
            target = xyxy_to_cxcywh(target)
        loss = (boxes[valid] - target[valid]).abs().mean()
        return {'loss_l1': self.loss_weight * loss}

    def predict(self, x: Tensor, data_samples: List[SegDataSample]) -> List[SegDataSample]:
        boxes = self(x).detach()  # predictions, never trained through
        xyxy = cxcywh_to_xyxy(boxes) if self.box_format == 'cxcywh' else boxes
        for sample, raw, box in zip(data_samples, boxes, xyxy.clamp(0, 1)):
            sample.pred_box_raw = raw
            sample.pred_bbox = box
        return data_samples

    def loss_from_predictions(self, data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        """The loss of what :meth:`predict` stored (validation loss without a new forward)."""
        boxes = torch.stack([s.pred_box_raw for s in data_samples]).float()
        return self.loss_by_output(boxes, data_samples)
