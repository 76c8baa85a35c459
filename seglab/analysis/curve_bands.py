"""Curves of an arm over seeds: mean and a band (95 % Student-t CI or ±1 sd) per x value."""
import math
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np
from scipy import stats

from .arms import seed_dirs
from .curves import read_curves, series
from .seed_runner import STATE_FILE

BANDS = {'ci': '95% CI over seeds', 'sd': '±1 sd over seeds'}


def arm_run_dirs(path: str) -> List[str]:
    """The seed work dirs of an arm folder, or ``[path]`` for a single run."""
    dirs = [d for _, d in seed_dirs(path)] or [path]
    # Under the runner, only finished seeds (a failed or running one would cut the curves).
    finished = [d for d in dirs if osp.isfile(osp.join(d, STATE_FILE))]
    return finished or dirs


def run_series(work_dir: str, key: str, x: str) -> List[Tuple[float, float]]:
    """``[(x, value)]`` of ``key`` from the validation lines if any has it, else from the
    training lines. Raises ``ValueError`` when the run has no ``x`` axis for it."""
    train, val, by_epoch = read_curves(work_dir)
    points = val if any(key in p for p in val) else train
    if x == 'epoch' and not by_epoch and any(key in p for p in points):
        raise ValueError(f'{work_dir}: an iteration-based run has no epoch axis; use --x iter')
    return series(points, key, x)


def band(curves: Sequence[List[Tuple[float, float]]], kind: str = 'ci'):
    """``(x, mean, low, high, n)`` over the x values every seed logged (the seeds of one
    arm log at the same steps; x values missing in a seed are dropped)."""
    if kind not in BANDS:
        raise ValueError(f'band must be one of {sorted(BANDS)}, got {kind!r}')
    maps: List[Dict[float, float]] = [dict(c) for c in curves if c]
    if not maps:
        return [], [], [], [], 0
    xs = sorted(set.intersection(*(set(m) for m in maps)))
    values = np.array([[m[x] for m in maps] for x in xs], dtype=np.float64).reshape(
        len(xs), len(maps))
    mean = values.mean(axis=1)
    n = len(maps)
    if n < 2:
        return xs, mean.tolist(), mean.tolist(), mean.tolist(), n
    sd = values.std(axis=1, ddof=1)
    half = sd if kind == 'sd' else stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    return xs, mean.tolist(), (mean - half).tolist(), (mean + half).tolist(), n
