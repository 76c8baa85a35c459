"""Reading finished mmengine work dirs: final metrics, curves, per-image scores, benchmark.

A work dir is what ``tools/train.py --work-dir DIR`` (or ``tools/test.py``) leaves::

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
                                 'mmengine vis_data/scalars.json?') from None
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


def load_run(work_dir: str, name: Optional[str] = None) -> RunResults:
    """Final metrics, curves and file locations of one work dir."""
    run = RunResults(name=name or osp.basename(osp.normpath(work_dir)), work_dir=work_dir)
    dirs = timestamp_dirs(work_dir)
    if not dirs:
        raise FileNotFoundError(f'{work_dir}: no <timestamp>/ log dir; pass the --work-dir of '
                                'a tools/train.py or tools/test.py run')
    # Curves from every log dir in time order (a resumed run continues in a new one).
    last_eval = None
    for d in dirs:
        scalars = osp.join(d, 'vis_data', 'scalars.json')
        if not osp.isfile(scalars):
            continue
        for record in read_scalars(scalars):
            step = record.get('step', record.get('iter'))
            if is_eval_record(record):
                last_eval = record
                if 'mIoU' in record and step is not None:
                    run.val_curve.append((int(step), float(record['mIoU'])))
            elif 'loss' in record and step is not None:
                run.loss_curve.append((int(step), float(record['loss'])))
    detailed = _latest(work_dir, 'detailed_metrics.json')
    if detailed is not None:
        with open(detailed) as f:
            data = json.load(f)
        run.summary = {k: _num(v) for k, v in data.get('summary', {}).items()}
        run.per_class_iou = {c: _num(v.get('IoU')) for c, v in data.get('per_class', {}).items()}
        run.step = data.get('step')
        run.source = detailed
    elif last_eval is not None:
        run.summary = {k: _num(last_eval[k]) for k in SUMMARY_KEYS if k in last_eval}
        run.per_class_iou = {k[4:]: _num(v) for k, v in last_eval.items()
                             if k.startswith('IoU.')}
        run.step = last_eval.get('step')
        run.source = osp.join(dirs[-1], 'vis_data', 'scalars.json')
    else:
        raise FileNotFoundError(f'{work_dir}: no evaluation found (no detailed_metrics.json, '
                                'no val line with mIoU in vis_data/scalars.json); did the run '
                                'reach a validation?')
    run.per_image_file = _latest(work_dir, 'per_image.jsonl')
    run.benchmark = read_benchmark(work_dir)
    return run


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
                raise ValueError(f'{path}:{lineno}: a per_image.jsonl line needs "img_path" '
                                 'and "mIoU" (written by DetailedIoUMetric(per_image=True))')
            if record['mIoU'] is not None and not math.isnan(record['mIoU']):
                scores[record['img_path']] = float(record['mIoU'])
    return scores


def per_image_scores(run_or_path: str) -> Dict[str, float]:
    """Per-image mIoU from a work dir (its newest ``per_image.jsonl``) or the file itself."""
    if osp.isfile(run_or_path):
        return read_per_image(run_or_path)
    path = _latest(run_or_path, 'per_image.jsonl')
    if path is None:
        raise FileNotFoundError(f'{run_or_path}: no per_image.jsonl; evaluate with '
                                "val_evaluator=dict(type='DetailedIoUMetric', per_image=True)")
    return read_per_image(path)
