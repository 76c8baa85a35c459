"""Training and validation curves of a work dir, on an iteration *and* an epoch axis.

mmengine's ``vis_data/scalars.json`` gives every train line ``step`` = iterations done, but a
validation line gets ``step`` = the epoch when ``LoggerHook(log_metric_by_epoch=True)`` runs
an epoch-based loop (study 001/004 configs), and the iteration otherwise. Plotting the raw
``step`` therefore puts the validations of an epoch-based run at "iteration" 1, 2, 3. Here
every point gets both ``iter`` and ``epoch``:

* a validation point takes ``iter`` and ``epoch`` from the matching record of
  ``detailed_metrics_history.jsonl`` (``DetailedIoUMetric``; one record per evaluation, in
  the same order) when the counts agree; that is exact;
* otherwise a validation ``step`` smaller than the step of the train line logged before it
  was logged by epoch (an iteration-logged one is never smaller): ``epoch = step`` and
  ``iter`` = that train line's step (exact to within the logging interval);
* an epoch-based run's iterations per epoch come from train lines that carry ``epoch`` and
  the in-epoch ``iter`` (``log_processor.by_epoch=True``), else from the validations; train
  points get ``epoch = step / (iterations per epoch)``. Iteration-based runs have no epoch.

A resumed run continues in a new ``<timestamp>/`` dir and repeats the iterations after its
checkpoint; the repeated points replace the ones of the killed process.
"""
import os.path as osp
from typing import Dict, List, Optional, Tuple

from seglab.evaluation.metric_files import (DETAILED_METRICS_HISTORY, SCALARS, read_jsonl,
                                            record_iter)

from .run_results import is_eval_record, read_scalars, timestamp_dirs

Point = Dict[str, object]


def _iters_per_epoch(train: List[dict], val: List[dict]) -> Optional[float]:
    for record in train:
        # 'iter' is the in-epoch iteration when the log processor logs by epoch; some loops
        # log the global one (iter == step), which says nothing about the epoch length.
        if record.get('epoch', 1) > 1 and 'iter' in record and record['iter'] < record['step']:
            return (record['step'] - record['iter']) / (record['epoch'] - 1)
    for record in val:
        if record['_epoch'] and record['_iter']:
            return record['_iter'] / record['_epoch']
    return None


def _history(log_dir: str) -> List[dict]:
    path = osp.join(log_dir, DETAILED_METRICS_HISTORY)
    if not osp.isfile(path):
        return []
    records = read_jsonl(path)
    return [r for r in records if r.get('stage', 'val') == 'val']


def read_curves(work_dir: str) -> Tuple[List[Point], List[Point], bool]:
    """``(train_points, val_points, by_epoch)``; each point is the logged record plus
    ``iter`` (iterations done, float) and ``epoch`` (epochs done, float, or None)."""
    train: List[dict] = []
    val: List[dict] = []
    for d in timestamp_dirs(work_dir):
        path = osp.join(d, SCALARS)
        if not osp.isfile(path):
            continue
        resumed, new_val = False, []
        for record in read_scalars(path):
            if 'step' not in record:
                continue
            if not is_eval_record(record):
                if not resumed:  # a resumed process: drop what the killed one logged later
                    resumed = True
                    train = [r for r in train if r['step'] < record['step']]
                    val = [r for r in val if r['_iter'] < record['step']]
                train.append(record)
                continue
            last_step = train[-1]['step'] if train else 0
            as_epoch = record['step'] < last_step
            new_val.append(dict(record, _iter=last_step if as_epoch else record['step'],
                                _epoch=record['step'] if as_epoch else None))
        history = _history(d)
        if len(history) == len(new_val):
            for record, h in zip(new_val, history):
                record['_iter'] = record_iter(h) or record['_iter']
                record['_hist_epoch'] = h.get('epoch')
        val += new_val
    by_epoch = (any('epoch' in r for r in train) or any(r['_epoch'] for r in val)
                or any((r.get('_hist_epoch') or 0) > 1 for r in val))
    if by_epoch:
        for r in val:
            r['_epoch'] = r.get('_hist_epoch') or r['_epoch']
    per_epoch = _iters_per_epoch(train, val) if by_epoch else None
    train_points = [dict(r, iter=float(r['step']),
                         epoch=r['step'] / per_epoch if per_epoch else None) for r in train]
    val_points = []
    for r in val:
        point = {k: v for k, v in r.items() if not k.startswith('_')}
        epoch = r['_epoch'] or (r['_iter'] / per_epoch if per_epoch else None)
        point.update(iter=float(r['_iter']), epoch=None if epoch is None else float(epoch))
        val_points.append(point)
    return train_points, val_points, by_epoch


def series(points: List[Point], key: str, x: str = 'iter') -> List[Tuple[float, float]]:
    """``[(x, value)]`` of ``key`` over the points that logged it (NaN values kept)."""
    out = []
    for p in points:
        if key in p and p.get(x) is not None:
            out.append((float(p[x]), float(p[key])))
    return out
