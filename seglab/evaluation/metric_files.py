"""Names and layout of the files the metrics write into a run's log dir.

The writers (:class:`~seglab.evaluation.metrics.DetailedIoUMetric`,
:class:`~seglab.evaluation.metrics.ImageLevelMetric`) and the readers (:mod:`seglab.analysis`,
``tools/analysis_tools/``) both take the names and keys from here, so they cannot drift apart.
The module imports nothing from seglab: runtime code can use it without loading the analysis.

A run's log dir is ``<work_dir>/<timestamp>/`` (mmengine's ``runner.log_dir``)::

    detailed_metrics.json           latest evaluation, one record (below)
    detailed_metrics.csv            the latest record's ``per_class`` table, one row per class
    detailed_metrics_history.jsonl  one record per evaluation, appended
    per_image.jsonl                 DetailedIoUMetric(per_image=True): one line per image
    image_metrics.json              ImageLevelMetric: ``{"summary": {...}, ...}``
    vis_data/scalars.json           mmengine's own: one JSON object per logged step

A record holds ``RECORD_KEYS``: ``step`` and ``iter`` (training iterations done, None in a
stand-alone test), ``epoch`` (1-based, as in the log), ``stage`` (``val``/``test``),
``num_images``, ``image_set`` (fingerprint of the image paths), ``boundary_dilation_ratio``,
``summary`` (overall metrics, %) and ``per_class`` (``{class: {<metric>: %,
area_<key>: pixels}}`` with the metrics of ``CLASS_METRICS`` + ``BOUNDARY_METRIC`` and the
areas of ``AREA_KEYS``). Undefined values are null. A ``per_image.jsonl`` line holds
``PER_IMAGE_KEYS``: ``img_path``, ``step``, ``mIoU`` and ``IoU`` (``{class: value or null}``),
values in [0, 1].
"""
import json
import os.path as osp
from typing import List, Optional

DETAILED_METRICS = 'detailed_metrics.json'
DETAILED_METRICS_CSV = 'detailed_metrics.csv'
DETAILED_METRICS_HISTORY = 'detailed_metrics_history.jsonl'
PER_IMAGE = 'per_image.jsonl'
IMAGE_METRICS = 'image_metrics.json'
SCALARS = osp.join('vis_data', 'scalars.json')

CLASS_METRICS = ('IoU', 'Acc', 'Dice', 'Precision', 'Recall')
BOUNDARY_METRIC = 'BIoU'
AREA_KEYS = ('intersect', 'union', 'pred', 'label')
RECORD_KEYS = ('step', 'iter', 'epoch', 'stage', 'num_images', 'image_set',
               'boundary_dilation_ratio', 'summary', 'per_class')
PER_IMAGE_KEYS = ('img_path', 'step', 'mIoU', 'IoU')


def area_column(key: str) -> str:
    """The ``per_class`` / CSV column of one of ``AREA_KEYS``."""
    return f'area_{key}'


def record_iter(record: dict) -> Optional[int]:
    """Iterations done at a record's evaluation (older files hold ``step`` only)."""
    return record.get('iter', record.get('step'))


def read_jsonl(path: str) -> List[dict]:
    """The records of a JSON-lines file (``*_history.jsonl``, ``per_image.jsonl``)."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]
