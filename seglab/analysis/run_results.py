"""Reading finished mmengine work dirs: final metrics, curves, per-image scores, benchmark.

A work dir is what ``tools/train.py --work-dir DIR`` (or ``tools/test.py``) leaves (the log
dir's file names and layout: :mod:`seglab.evaluation.metric_files`)::

    DIR/<timestamp>/vis_data/scalars.json        mmengine: one JSON object per logged step;
                                                 train lines carry ``loss``, val lines
                                                 ``mIoU``/``aAcc``/... ; both carry ``step``
    DIR/<timestamp>/detailed_metrics.json        DetailedIoUMetric (latest evaluation)
    DIR/<timestamp>/per_image.jsonl              DetailedIoUMetric(per_image=True)
    DIR/benchmark.json                           optional: ``{"params", "flops",
                                                 "images_per_s"}`` or the output of
                                                 ``tools/analysis_tools/benchmark.py
                                                 CONFIG --mode infer --out DIR/benchmark.json``

The "final" metrics of a run are its most recent evaluation: the newest ``detailed_metrics.json``
if any timestamp dir has one, otherwise the last val/test line of the newest ``scalars.json``.
``DIR`` may also be one ``<timestamp>`` dir itself.
"""
import json
import math
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from seglab.evaluation.metric_files import (DETAILED_METRICS, DETAILED_METRICS_HISTORY,
                                            IMAGE_METRICS, PER_IMAGE, SCALARS, read_jsonl,
                                            record_iter)

TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')
SUMMARY_KEYS = ('aAcc', 'mIoU', 'mAcc', 'mDice', 'mPrecision', 'mRecall', 'mBIoU',
                'mIoU_batch_avg')
BENCHMARK_KEYS = ('params', 'flops', 'images_per_s')


@dataclass
class RunResults:
    """Everything the analysis tools need from one work dir (metrics in percent)."""
    name: str
    work_dir: str
    summary: Dict[str, float] = field(default_factory=dict)
    per_class_iou: Dict[str, float] = field(default_factory=dict)
    step: Optional[int] = None
    source: str = ''
    benchmark: Dict[str, float] = field(default_factory=dict)
    val_curve: List[Tuple[int, float]] = field(default_factory=list)
    loss_curve: List[Tuple[int, float]] = field(default_factory=list)
    per_image_file: Optional[str] = None
    stage: Optional[str] = None          # 'val' / 'test' of the selected evaluation
    image_set: Optional[str] = None      # fingerprint of the evaluated images (if recorded)
    num_images: Optional[int] = None
    epoch: Optional[float] = None        # epochs done at the selected evaluation
    select: str = 'final'                # 'final' or 'best' (highest validation mIoU)


def timestamp_dirs(work_dir: str) -> List[str]:
    """``<timestamp>`` subdirs, oldest first (or ``[work_dir]`` if it is one)."""
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'work dir {work_dir} does not exist')
    if TIMESTAMP.match(osp.basename(osp.normpath(work_dir))):
        return [work_dir]
    dirs = sorted(d for d in os.listdir(work_dir)
                  if TIMESTAMP.match(d) and osp.isdir(osp.join(work_dir, d)))
    return [osp.join(work_dir, d) for d in dirs]


def read_scalars(path: str) -> List[dict]:
    """mmengine's ``scalars.json`` (JSON lines; NaN allowed)."""
    records = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f'{path}:{lineno}: not a JSON line ({err}); is this an '
                                 f'mmengine {SCALARS}?') from None
    return records


def is_eval_record(record: dict) -> bool:
    return 'mIoU' in record or 'aAcc' in record


def _latest(work_dir: str, relpath: str) -> Optional[str]:
    for d in reversed(timestamp_dirs(work_dir)):
        path = osp.join(d, relpath)
        if osp.isfile(path):
            return path
    return None


def read_benchmark(work_dir: str) -> Dict[str, float]:
    """``benchmark.json``: top-level ``params/flops/images_per_s`` or benchmark.py output."""
    path = osp.join(work_dir, 'benchmark.json')
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, dict) and isinstance(data.get('results'), list) and data['results']:
        data = data['results'][0]
    if not isinstance(data, dict):
        raise ValueError(f'{path}: expected a JSON object with keys {BENCHMARK_KEYS}')
    return {k: float(data[k]) for k in BENCHMARK_KEYS if data.get(k) is not None}


def load_run(work_dir: str, name: Optional[str] = None, select: str = 'final') -> RunResults:
    """Final (or, with ``select='best'``, highest-validation-mIoU) metrics, curves and file
    locations of one work dir. Curves are on the iteration axis (see ``curves.py``)."""
    from .curves import read_curves, series
    if select not in ('final', 'best'):
        raise ValueError(f"select must be 'final' or 'best', got {select!r}")
    run = RunResults(name=name or osp.basename(osp.normpath(work_dir)), work_dir=work_dir,
                     select=select)
    dirs = timestamp_dirs(work_dir)
    if not dirs:
        raise FileNotFoundError(f'{work_dir}: no <timestamp>/ log dir; pass the --work-dir of '
                                'a tools/train.py or tools/test.py run')
    train, val, _ = read_curves(work_dir)
    run.val_curve = [(int(i), v) for i, v in series(val, 'mIoU')]
    run.loss_curve = [(int(i), v) for i, v in series(train, 'loss')]
    record = None
    if select == 'best':
        history = evaluation_history(work_dir)
        candidates = [r for r in history if r.get('stage') == 'val'
                      and r.get('summary', {}).get('mIoU') is not None]
        if candidates:
            record = max(candidates, key=lambda r: r['summary']['mIoU'])
            run.source = f'best of {DETAILED_METRICS_HISTORY}'
    else:
        detailed = _latest(work_dir, DETAILED_METRICS)
        if detailed is not None:
            with open(detailed) as f:
                record = json.load(f)
            run.source = detailed
    if record is not None:
        run.summary = {k: _num(v) for k, v in record.get('summary', {}).items()}
        run.per_class_iou = {c: _num(v.get('IoU')) for c, v in
                             record.get('per_class', {}).items()}
        run.step = record_iter(record)
        run.stage, run.image_set = record.get('stage'), record.get('image_set')
        run.num_images, run.epoch = record.get('num_images'), record.get('epoch')
    elif val:
        pick = (max([p for p in val if 'mIoU' in p], key=lambda p: p['mIoU'], default=val[-1])
                if select == 'best' else val[-1])
        run.summary = {k: _num(pick[k]) for k in SUMMARY_KEYS if k in pick}
        run.per_class_iou = {k[4:]: _num(v) for k, v in pick.items() if k.startswith('IoU.')}
        run.step = None if pick['iter'] is None else int(pick['iter'])
        run.epoch, run.stage = pick.get('epoch'), 'val'
        run.source = SCALARS + (' (best val mIoU)' if select == 'best' else '')
    else:
        raise FileNotFoundError(f'{work_dir}: no evaluation found (no {DETAILED_METRICS}, '
                                f'no val line with mIoU in {SCALARS}); did the run '
                                'reach a validation?')
    if select == 'final':
        # ImageLevelMetric (multi-task models) keeps the latest evaluation only: the final one
        image = _latest(work_dir, IMAGE_METRICS)
        if image is not None:
            with open(image) as f:
                run.summary.update({k: _num(v) for k, v in
                                    json.load(f).get('summary', {}).items()})
    run.per_image_file = _latest(work_dir, PER_IMAGE)
    run.benchmark = read_benchmark(work_dir)
    return run


def evaluation_history(work_dir: str) -> List[dict]:
    """Every ``detailed_metrics_history.jsonl`` record of the work dir in time order; an
    evaluation a resumed run repeated (same stage and iteration) keeps its last record."""
    records: List[dict] = []
    for d in timestamp_dirs(work_dir):
        path = osp.join(d, DETAILED_METRICS_HISTORY)
        if osp.isfile(path):
            records += read_jsonl(path)
    latest = {}
    for r in records:
        latest[(r.get('stage'), record_iter(r))] = r
    return [r for r in records if latest[(r.get('stage'), record_iter(r))] is r]


def _num(value) -> float:
    return float('nan') if value is None else float(value)


def read_per_image(path: str) -> Dict[str, float]:
    """``img_path -> mIoU`` of one ``per_image.jsonl`` (images with no valid class skipped)."""
    scores = {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if 'img_path' not in record or 'mIoU' not in record:
                raise ValueError(f'{path}:{lineno}: a {PER_IMAGE} line needs "img_path" '
                                 'and "mIoU" (written by DetailedIoUMetric(per_image=True))')
            if record['mIoU'] is not None and not math.isnan(record['mIoU']):
                scores[record['img_path']] = float(record['mIoU'])
    return scores


def per_image_scores(run_or_path: str) -> Dict[str, float]:
    """Per-image mIoU from a work dir (its newest ``per_image.jsonl``) or the file itself."""
    if osp.isfile(run_or_path):
        return read_per_image(run_or_path)
    path = _latest(run_or_path, PER_IMAGE)
    if path is None:
        raise FileNotFoundError(f'{run_or_path}: no {PER_IMAGE}; evaluate with '
                                "val_evaluator=dict(type='DetailedIoUMetric', per_image=True)")
    return read_per_image(path)
