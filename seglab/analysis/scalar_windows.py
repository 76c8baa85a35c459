"""A logged training scalar of arms, averaged over windows of training.

For quantities that are logged every few iterations but reported as "how big was it early,
midway and late" (study 003's omega * DF / CE, ``decode.cdfl_df_to_ce``): training is cut
into ``n_windows`` equal spans of iterations; each seed's value in a window is the mean of
what it logged there, and the arm's cell is the mean over seeds with the smallest and the
largest seed value, so a reader sees both the size and how much the seeds agree.
"""
import csv
from typing import Dict, List, Sequence, Tuple

import numpy as np

from seglab.evaluation.metric_files import SCALARS

from .curve_bands import arm_run_dirs, run_series

Window = Tuple[float, float]


def windows_of(max_iter: float, n_windows: int) -> List[Window]:
    """``n_windows`` spans ``(start, end]`` of equal length covering ``(0, max_iter]``."""
    if n_windows < 1:
        raise ValueError(f'n_windows must be >= 1, got {n_windows}')
    edges = np.linspace(0, max_iter, n_windows + 1)
    return [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:])]


def window_means(curve: Sequence[Tuple[float, float]], windows: Sequence[Window]) -> List[float]:
    """Mean of the ``(iteration, value)`` points in each window (NaN where none fell)."""
    out = []
    for start, end in windows:
        values = [v for x, v in curve if start < x <= end]
        out.append(float(np.mean(values)) if values else float('nan'))
    return out


def arm_windows(arm_dir: str, key: str, n_windows: int = 4) -> Dict:
    """``dict(key, n_seeds, windows, mean, low, high)`` of ``key`` over the finished seeds of
    an arm folder (or one run). Raises ``ValueError`` naming the folder when no seed logged
    ``key`` (e.g. a CE arm asked for a CDFL ratio)."""
    curves = [c for c in (run_series(d, key, 'iter') for d in arm_run_dirs(arm_dir)) if c]
    if not curves:
        raise ValueError(f'{arm_dir}: no run logged {key!r} in {SCALARS}')
    windows = windows_of(max(x for c in curves for x, _ in c), n_windows)
    per_seed = np.array([window_means(c, windows) for c in curves])
    return dict(key=key, n_seeds=len(curves), windows=windows,
                mean=np.nanmean(per_seed, axis=0).tolist(),
                low=np.nanmin(per_seed, axis=0).tolist(),
                high=np.nanmax(per_seed, axis=0).tolist())


def _window_label(window: Window) -> str:
    return f'iter {window[0] + 1:.0f}-{window[1]:.0f}'


def to_markdown(table: Dict[str, Dict], fmt: str = '.2e') -> str:
    """One row per arm: mean over seeds (min-max over seeds) of each window."""
    first = next(iter(table.values()))
    header = ' | '.join(_window_label(w) for w in first['windows'])
    rows = []
    for name, t in table.items():
        cells = ' | '.join(f'{m:{fmt}} ({lo:{fmt}}-{hi:{fmt}})'
                           for m, lo, hi in zip(t['mean'], t['low'], t['high']))
        rows.append(f"| {name} | {t['n_seeds']} | {cells} |")
    return '\n'.join([
        f"Logged `{first['key']}`: per seed the mean over each window of training, then the "
        'mean over seeds (min-max over seeds).', '',
        f'| Arm | seeds | {header} |',
        '|---|---:|' + '---:|' * len(first['windows'])] + rows) + '\n'


def write_csv(table: Dict[str, Dict], path: str) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['arm', 'n_seeds', 'window_start', 'window_end', 'mean', 'min', 'max'])
        for name, t in table.items():
            for (a, b), m, lo, hi in zip(t['windows'], t['mean'], t['low'], t['high']):
                writer.writerow([name, t['n_seeds'], f'{a:g}', f'{b:g}', repr(m), repr(lo),
                                 repr(hi)])
