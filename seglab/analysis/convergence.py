"""Has an arm's validation curve flattened by the end of training?

The criterion of the study re-runs: over the last fifth of training, the seed mean of the
validation metric moves by less than a threshold (1 point by default). "Moves" is the range
(max - min) of the seed-mean curve over the evaluations from the last one at or before 80 % of
training to the final one, so a curve still climbing and one swinging both count.
"""
from typing import Dict

from .curve_bands import arm_run_dirs, band, run_series


def arm_convergence(arm_dir: str, key: str = 'mIoU', last_fraction: float = 0.2,
                threshold: float = 1.0) -> Dict:
    """``dict(window=(x_start, x_end), mean_start, mean_end, delta, range, flat, n_seeds)``
    of the seed-mean validation ``key`` on the iteration axis; ``flat`` is None when the
    arm has fewer than two evaluations."""
    curves = [run_series(d, key, 'iter') for d in arm_run_dirs(arm_dir)]
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


def convergence_table(arms: Dict[str, str], key: str = 'mIoU', **kwargs) -> Dict[str, Dict]:
    """``{arm name: arm_convergence(...)}`` for ``{arm name: arm folder}``."""
    return {name: arm_convergence(path, key, **kwargs) for name, path in arms.items()}


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

