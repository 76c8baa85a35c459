"""Image-level metrics of a multi-task model: label accuracy, presence mAP, box MAE / IoU."""
import json
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS

from ..metric_files import IMAGE_METRICS
from .metrics_dir import MetricsDirMixin


def average_precision(scores: np.ndarray, positives: np.ndarray) -> float:
    """Non-interpolated AP (the mean of the precision at each positive, ranked by score)."""
    order = np.argsort(-scores, kind='stable')
    hits = positives[order].astype(bool)
    if not hits.any():
        return float('nan')
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of matching rows of two (N, 4) xyxy arrays."""
    w = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    h = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = w * h
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    union = area(a) + area(b) - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


@METRICS.register_module()
class ImageLevelMetric(MetricsDirMixin, BaseMetric):
    """Scores of the image-level heads of ``MultiTaskEncoderDecoder``.

    Listed next to the segmentation metric (``val_evaluator = [dict(type='DetailedIoUMetric'),
    dict(type='ImageLevelMetric')]``); each part is computed when the predictions carry it:

    - single-label (``pred_label`` vs ``gt_label``, images with label -1 left out):
      ``label_acc`` (top-1, %), ``label_mAcc`` (mean over the classes seen of the per-class
      accuracy, %), per class in the JSON;
    - multi-label (``pred_scores`` vs ``gt_presence``): ``presence_mAP`` (%, mean over the
      classes with at least one positive image of the non-interpolated average precision);
    - box (``pred_bbox`` vs ``gt_bbox``, images with ``gt_bbox_valid``): ``box_MAE``
      (mean absolute error of the normalised xyxy coordinates, the paper's unit) and
      ``box_mIoU`` (mean IoU, %; IoU does not change when the axes are scaled, so the
      normalised boxes give the pixel IoU).

    Also writes ``image_metrics.json`` (the numbers, per-class accuracy, image counts) into
    ``metrics_dir``, the folder of ``detailed_metrics.json``.

    Args:
        class_names (Sequence[str], optional): Label names for the JSON. Default: the label
            indices (the dataset's classes name the mask's classes, not necessarily these).
        metrics_dir (str, optional): Where the file goes. Default: the run's
            ``<work_dir>/<timestamp>/``, as for ``DetailedIoUMetric`` (``MetricsDirMixin``).
        collect_device, prefix: As ``BaseMetric``.
    """

    def __init__(self, class_names: Optional[Sequence[str]] = None,
                 metrics_dir: Optional[str] = None, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.class_names = class_names
        self.metrics_dir = metrics_dir

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            record = {}
            if 'pred_label' in sample and 'gt_label' in sample:
                record['label'] = (int(sample['gt_label']), int(sample['pred_label']))
            if 'pred_scores' in sample and 'gt_presence' in sample:
                record['presence'] = (np.asarray(sample['gt_presence'].cpu()),
                                      np.asarray(sample['pred_scores'].float().cpu()))
            if 'pred_bbox' in sample and 'gt_bbox' in sample and \
                    bool(sample.get('gt_bbox_valid', True)):
                record['box'] = (np.asarray(sample['gt_bbox'].float().cpu()),
                                 np.asarray(sample['pred_bbox'].float().cpu()))
            self.results.append(record)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        metrics, details = OrderedDict(), OrderedDict(num_images=len(results))
        labels = np.array([r['label'] for r in results if 'label' in r and r['label'][0] >= 0])
        if len(labels):
            correct = labels[:, 0] == labels[:, 1]
            metrics['label_acc'] = 100 * float(correct.mean())
            per_class = OrderedDict()
            for c in np.unique(labels[:, 0]):
                per_class[self._name(int(c))] = 100 * float(correct[labels[:, 0] == c].mean())
            metrics['label_mAcc'] = float(np.mean(list(per_class.values())))
            details.update(num_labelled=len(labels), label_acc_per_class=per_class)
        presence = [r['presence'] for r in results if 'presence' in r]
        if presence:
            gt = np.stack([p[0] for p in presence])
            scores = np.stack([p[1] for p in presence])
            ap = [average_precision(scores[:, c], gt[:, c]) for c in range(gt.shape[1])]
            metrics['presence_mAP'] = 100 * float(np.nanmean(ap)) if not np.all(
                np.isnan(ap)) else float('nan')
            details['presence_AP_per_class'] = OrderedDict(
                (self._name(c), None if np.isnan(v) else 100 * v) for c, v in enumerate(ap))
        boxes = [r['box'] for r in results if 'box' in r]
        if boxes:
            gt = np.stack([b[0] for b in boxes])
            pred = np.stack([b[1] for b in boxes])
            metrics['box_MAE'] = float(np.abs(gt - pred).mean())
            metrics['box_mIoU'] = 100 * float(box_iou(gt, pred).mean())
            details['num_boxes'] = len(boxes)
        self._write(metrics, details)
        return dict(metrics)

    def _name(self, index: int) -> str:
        names = self.class_names  # the dataset's classes are the mask's, not the labels'
        return str(names[index]) if names and index < len(names) else str(index)

    def _write(self, metrics: dict, details: dict) -> None:
        out_dir = self.resolve_metrics_dir()
        if not out_dir:
            return
        os.makedirs(out_dir, exist_ok=True)
        with open(osp.join(out_dir, IMAGE_METRICS), 'w') as f:
            json.dump(dict(summary=metrics, **details), f, indent=2)
