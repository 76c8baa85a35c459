"""``DetailedIoUMetric``: mmseg's ``IoUMetric`` plus the numbers the studies report.

* per-class IoU / Acc / Dice / Precision / Recall, returned (``IoU.<class>`` keys, ...) and
  saved as JSON + CSV so tools can read them (study 000 §4.6, study 003 §IV.A.3);
* boundary IoU per class and its mean ``mBIoU`` (Cheng et al., CVPR 2021; study 004 §III.F);
* optionally the batch-averaged mIoU of study 000 §4.5 as ``mIoU_batch_avg``;
* optionally per-image per-class IoU (``per_image.jsonl``) for paired tests (study 004 §IV).

The dataset-level ``mIoU`` is mmseg's: intersections and unions are summed over the whole
split, then IoU is averaged over classes with a non-zero union (the class set ``C'`` of
study 000 eq. 7). ``mIoU_batch_avg`` instead computes that mIoU inside every mini-batch
(classes with a non-zero union *in that batch*) and averages the batch values. A "batch" is
the samples of one ``process()`` call, i.e. one val/test-loader batch of one rank. The two
agree only by accident; the batch-averaged value depends on the batch size and order and is
reported for comparison with study 000's numbers, never instead of ``mIoU``.
"""
import csv
import hashlib
import json
import math
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.logging import MessageHub, MMLogger, print_log
from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS
from prettytable import PrettyTable

from ..boundary import boundary_intersect_and_union
from ..metric_files import (AREA_KEYS, BOUNDARY_METRIC, CLASS_METRICS, DETAILED_METRICS,
                            DETAILED_METRICS_CSV, DETAILED_METRICS_HISTORY, PER_IMAGE,
                            area_column)
from .metrics_dir import MetricsDirMixin


def _nan_mean(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=np.float64)
    return float(np.nanmean(values)) if np.any(~np.isnan(values)) else float('nan')


def _json_number(value: float, ndigits: Optional[int] = None):
    """NaN -> None (JSON null); otherwise a plain float."""
    value = float(value)
    if math.isnan(value):
        return None
    return round(value, ndigits) if ndigits is not None else value


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def image_set_fingerprint(paths: Sequence[str]) -> str:
    """Short SHA-1 of the evaluated images' paths relative to their common folder, so two
    mounts of the same split agree and two different splits (val vs test) do not."""
    paths = sorted(str(p) for p in paths)
    try:
        root = osp.commonpath([osp.dirname(p) for p in paths]) if len(paths) > 1 else ''
    except ValueError:  # absolute and relative paths mixed
        root = ''
    rel = [osp.relpath(p, root) if root else osp.basename(p) for p in paths]
    return hashlib.sha1('\n'.join(rel).encode()).hexdigest()[:12]


@METRICS.register_module()
class DetailedIoUMetric(MetricsDirMixin, IoUMetric):
    """IoU metric with per-class files, boundary IoU, batch-averaged mIoU and per-image scores.

    Returned keys (percent, 2 decimals like mmseg): ``aAcc``, ``mIoU``, ``mAcc``, ``mDice``,
    ``mPrecision``, ``mRecall``, ``mBIoU`` (if ``boundary_iou``), ``mIoU_batch_avg`` (if
    ``batch_averaged``) and ``<Metric>.<class>`` for each metric in ``class_metrics``.

    Files written by the main process into ``metrics_dir`` after every evaluation (their
    names and layout are defined in :mod:`seglab.evaluation.metric_files`):

    * ``detailed_metrics.json``: ``{"step", "epoch", "stage", "num_images", "summary": {...},
      "per_class": {class: {IoU, Acc, Dice, Precision, Recall, BIoU, areas...}}}`` (latest);
    * ``detailed_metrics.csv``: one row per class, same numbers (latest);
    * ``detailed_metrics_history.jsonl``: one ``detailed_metrics.json`` record per evaluation;
    * ``per_image.jsonl`` (if ``per_image``): one line per image, ``{"img_path", "mIoU",
      "IoU": {class: value or null}}`` with IoU in [0, 1] and null for classes absent from
      both prediction and ground truth of that image (latest evaluation).

    Args:
        ignore_index (int): Label ignored everywhere (also in boundary regions). Default 255.
        boundary_iou (bool): Compute boundary IoU. Default True.
        boundary_dilation_ratio (float): Boundary width as a fraction of the image diagonal
            (Cheng et al. use 0.02). Default 0.02.
        batch_averaged (bool): Add ``mIoU_batch_avg`` (study 000 §4.5). Default False.
        per_image (bool): Write ``per_image.jsonl``. Default False.
        class_metrics (Sequence[str]): Per-class metrics returned as ``<Metric>.<class>``
            keys (all are saved to the files regardless). Default all five of
            ``IoU, Acc, Dice, Precision, Recall``.
        metrics_dir (str, optional): Where the files go. Default: the Runner's log dir
            ``<work_dir>/<timestamp>/``, handed over by ``SafeResumeRunner`` (or found
            through mmengine's current ``MMLogger`` under another Runner); if there is
            none, no file is written and a warning says so (see ``MetricsDirMixin``).
        output_dir (str, optional): As in ``IoUMetric``: where prediction PNGs are saved
            (``tools/test.py --out DIR`` sets it). Not the metric files' folder.
        **kwargs: The other ``IoUMetric`` arguments (``nan_to_num``, ``beta``,
            ``collect_device``, ``format_only``, ``prefix``). ``iou_metrics`` is fixed to
            all three (``mIoU``, ``mDice``, ``mFscore``).
    """

    def __init__(self,
                 ignore_index: int = 255,
                 boundary_iou: bool = True,
                 boundary_dilation_ratio: float = 0.02,
                 batch_averaged: bool = False,
                 per_image: bool = False,
                 class_metrics: Sequence[str] = CLASS_METRICS,
                 metrics_dir: Optional[str] = None,
                 output_dir: Optional[str] = None,
                 **kwargs) -> None:
        kwargs.pop('iou_metrics', None)
        super().__init__(ignore_index=ignore_index,
                         iou_metrics=['mIoU', 'mDice', 'mFscore'],
                         output_dir=output_dir, **kwargs)
        unknown = set(class_metrics) - set(CLASS_METRICS) - {BOUNDARY_METRIC}
        if unknown:
            raise ValueError(f'DetailedIoUMetric: class_metrics {sorted(unknown)} unknown; '
                             f'choose from {list(CLASS_METRICS) + [BOUNDARY_METRIC]}')
        if boundary_dilation_ratio <= 0:
            raise ValueError('DetailedIoUMetric: boundary_dilation_ratio must be > 0, got '
                             f'{boundary_dilation_ratio}')
        self.boundary_iou = boundary_iou
        self.boundary_dilation_ratio = boundary_dilation_ratio
        self.batch_averaged = batch_averaged
        self.per_image = per_image
        self.class_metrics = tuple(class_metrics)
        self.metrics_dir = metrics_dir
        self._num_batches = 0

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store small per-image area vectors (ints as float64 numpy arrays) per sample.

        The parent call saves prediction PNGs when ``output_dir`` is set and appends the
        four area tensors; they are then repacked with the boundary areas, the image path
        and the batch key ``(rank, batch index)``.
        """
        start = len(self.results)
        super().process(data_batch, data_samples)
        if self.format_only:
            return
        batch_key = (get_rank(), self._num_batches)
        self._num_batches += 1
        num_classes = len(self.dataset_meta['classes'])
        for offset, data_sample in enumerate(data_samples):
            areas = self.results[start + offset]
            record = {key: area.numpy().astype(np.float64)
                      for key, area in zip(AREA_KEYS, areas)}
            if self.boundary_iou:
                pred = data_sample['pred_sem_seg']['data'].squeeze()
                label = data_sample['gt_sem_seg']['data'].squeeze().to(pred)
                b_int, b_union = boundary_intersect_and_union(
                    pred, label, num_classes, self.ignore_index,
                    self.boundary_dilation_ratio)
                record['b_intersect'] = b_int.numpy()
                record['b_union'] = b_union.numpy()
            record['img_path'] = data_sample.get('img_path', f'#{batch_key}-{offset}')
            record['batch'] = batch_key
            self.results[start + offset] = record

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Dataset-level metrics (reusing ``IoUMetric.total_area_to_metrics``) + files."""
        if self.format_only:
            return super().compute_metrics(results)
        self._num_batches = 0
        class_names = list(self.dataset_meta['classes'])
        totals = {key: torch.from_numpy(sum(r[key] for r in results)) for key in AREA_KEYS}
        ret = self.total_area_to_metrics(totals['intersect'], totals['union'],
                                         totals['pred'], totals['label'], self.metrics,
                                         self.nan_to_num, self.beta)
        per_class = OrderedDict((name, np.asarray(ret[name], dtype=np.float64))
                                for name in CLASS_METRICS)
        summary = OrderedDict(aAcc=float(ret['aAcc']))
        for name in CLASS_METRICS:
            summary['m' + name] = _nan_mean(per_class[name])
        if self.boundary_iou:
            b_int = sum(r['b_intersect'] for r in results)
            b_union = sum(r['b_union'] for r in results)
            per_class[BOUNDARY_METRIC] = _safe_ratio(b_int, b_union)
            summary['m' + BOUNDARY_METRIC] = _nan_mean(per_class[BOUNDARY_METRIC])
        if self.batch_averaged:
            summary['mIoU_batch_avg'] = self.batch_averaged_miou(results)

        metrics = OrderedDict((key, round(value * 100, 2)) for key, value in summary.items())
        for name in self.class_metrics:
            if name in per_class:
                for cls, value in zip(class_names, per_class[name]):
                    metrics[f'{name}.{cls}'] = round(float(value) * 100, 2)

        table = PrettyTable()
        table.add_column('Class', class_names)
        for name, values in per_class.items():
            table.add_column(name, np.round(values * 100, 2).tolist())
        logger = MMLogger.get_current_instance()
        print_log('per class results:', logger)
        print_log('\n' + table.get_string(), logger=logger)
        self.save_results(summary, per_class, totals, results, class_names)
        return dict(metrics)

    @staticmethod
    def batch_averaged_miou(results: List[dict]) -> float:
        """Study 000 §4.5: mIoU per batch over classes with non-zero union, then averaged."""
        batches: Dict[tuple, List[np.ndarray]] = OrderedDict()
        for r in results:
            entry = batches.setdefault(tuple(r['batch']), [0.0, 0.0])
            entry[0] = entry[0] + r['intersect']
            entry[1] = entry[1] + r['union']
        values = [_nan_mean(_safe_ratio(i, u)) for i, u in batches.values()]
        values = [v for v in values if not math.isnan(v)]
        return float(np.mean(values)) if values else float('nan')

    def save_results(self, summary: Dict[str, float], per_class: Dict[str, np.ndarray],
                     totals: Dict[str, torch.Tensor], results: List[dict],
                     class_names: List[str]) -> None:
        out_dir = self.resolve_metrics_dir()
        if out_dir is None:
            return
        os.makedirs(out_dir, exist_ok=True)
        hub = MessageHub.get_current_instance()
        stage = hub.get_info('loop_stage', None)
        # The hub holds the index of the last train iteration started; +1 = iterations done,
        # the ``step`` mmengine gives this evaluation in ``vis_data/scalars.json``.
        last_iter = hub.get_info('iter', None)
        step = None if last_iter is None else int(last_iter) + 1
        # The hub's epoch is the 0-based index of the epoch being trained; the log (and a
        # by-epoch scalars.json) counts epochs done, 1-based. Iteration-based loops stay at 0.
        last_epoch = hub.get_info('epoch', None)
        epoch = None if last_epoch is None or step is None else int(last_epoch) + 1
        record = OrderedDict(
            step=step, iter=step, epoch=epoch, stage=stage,
            num_images=len(results), image_set=image_set_fingerprint(
                [r['img_path'] for r in results]),
            boundary_dilation_ratio=self.boundary_dilation_ratio if self.boundary_iou
            else None,
            # Same numbers as the returned dict (percent, 2 decimals).
            summary={key: _json_number(value * 100, 2) for key, value in summary.items()},
            per_class=OrderedDict())
        for idx, cls in enumerate(class_names):
            row = OrderedDict((name, _json_number(values[idx] * 100, 2))
                              for name, values in per_class.items())
            row.update((area_column(key), int(totals[key][idx])) for key in AREA_KEYS)
            record['per_class'][cls] = row
        with open(osp.join(out_dir, DETAILED_METRICS), 'w') as f:
            json.dump(record, f, indent=2)
        with open(osp.join(out_dir, DETAILED_METRICS_HISTORY), 'a') as f:
            f.write(json.dumps(record) + '\n')
        with open(osp.join(out_dir, DETAILED_METRICS_CSV), 'w', newline='') as f:
            writer = csv.writer(f)
            columns = list(per_class) + [area_column(key) for key in AREA_KEYS]
            writer.writerow(['Class'] + columns)
            for cls in class_names:
                row = record['per_class'][cls]
                writer.writerow([cls] + ['' if row[c] is None else row[c] for c in columns])
        if self.per_image:
            with open(osp.join(out_dir, PER_IMAGE), 'w') as f:
                for r in results:
                    iou = _safe_ratio(r['intersect'], r['union'])
                    f.write(json.dumps(OrderedDict(
                        img_path=r['img_path'], step=step, mIoU=_json_number(_nan_mean(iou)),
                        IoU={c: _json_number(v) for c, v in zip(class_names, iou)})) + '\n')
        print_log(f'DetailedIoUMetric: metric files written to {out_dir}',
                  MMLogger.get_current_instance())
