"""Has an arm's validation curve flattened by the end of training?

The criterion of the study re-runs: over the last fifth of training, the seed mean of the
validation metric moves by less than a threshold (1 point by default). "Moves" is the range
(max - min) of the seed-mean curve over the evaluations from the last one at or before 80 % of
training to the final one, so a curve still climbing and one swinging both count.
"""
from typing import Dict, Sequence, Tuple

from .curve_bands import arm_run_dirs, band, run_series


def curves_convergence(curves: Sequence[Sequence[Tuple[float, float]]], key: str = 'mIoU',
                       last_fraction: float = 0.2, threshold: float = 1.0) -> Dict:
    """``dict(window=(x_start, x_end), mean_start, mean_end, delta, range, flat, n_seeds)``
    of the seed mean of ``curves`` (one ``[(iteration, value)]`` per seed); ``flat`` is None
    when there are fewer than two evaluations."""
    xs, mean, _, _, n = band(curves)
    result = dict(key=key, n_seeds=n, threshold=threshold, last_fraction=last_fraction)
    if len(xs) < 2:
        return dict(result, window=None, mean_start=None, mean_end=None, delta=None,
                    range=None, flat=None)
    cut = xs[-1] * (1 - last_fraction)
    start = max([i for i, x in enumerate(xs) if x <= cut] or [0])
    window = mean[start:]
    moved = max(window) - min(window)
    return dict(result, window=(xs[start], xs[-1]), mean_start=mean[start], mean_end=mean[-1],
                delta=mean[-1] - mean[start], range=moved, flat=moved < threshold)


def arm_convergence(arm_dir: str, key: str = 'mIoU', **kwargs) -> Dict:
    """:func:`curves_convergence` of the validation ``key`` of an arm folder's finished
    seeds, read from their logs."""
    return curves_convergence([run_series(d, key, 'iter') for d in arm_run_dirs(arm_dir)],
                              key, **kwargs)


def convergence_table(arms: Sequence, **kwargs) -> Dict[str, Dict]:
    """``{arm name: curves_convergence(...)}`` of the validation mIoU of loaded arms
    (:class:`~seglab.analysis.arms.Arm`; their runs already hold the curves)."""
    return {arm.name: curves_convergence([r.val_curve for r in arm.runs.values()], 'mIoU',
                                         **kwargs) for arm in arms}


def to_markdown(table: Dict[str, Dict], number: int = 4) -> str:
    rows = []
    for name, c in table.items():
        if c['flat'] is None:
            rows.append(f"| {name} | {c['n_seeds']} | n/a | n/a | n/a | n/a | n/a |")
            continue
        verdict = 'flat' if c['flat'] else '**still moving**'
        rows.append(f"| {name} | {c['n_seeds']} | {c['window'][0]:.0f}-{c['window'][1]:.0f} | "
                    f"{c['mean_start']:.2f} | {c['mean_end']:.2f} | {c['range']:.2f} | "
                    f'{verdict} |')
    first = next(iter(table.values()))
    return '\n'.join([
        f"Table {number}. Convergence: seed-mean validation {first['key']} over the last "
        f"{first['last_fraction']:.0%} of training (iterations); flat when it moves by less "
        f"than {first['threshold']:g} point (max - min over those evaluations).", '',
        "| Arm | seeds | window (iter) | mean at start | mean at end | range | verdict |",
        '|---|---:|---|---:|---:|---:|---|'] + rows) + '\n'

