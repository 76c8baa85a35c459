"""Statistics over training seeds: Student-t intervals, paired seed tests, Holm, verdicts.

A comparison of two methods on one data set has two sources of noise: which images are in
the split, and how training went (initial weights, data order, augmentation, dropout). The
second dominates on small data sets, and a per-image test of one run per method cannot see
it. These functions treat the seed as the unit of replication: one number per seed and
method, differences paired by seed (both methods trained with the same seed see the same
data order and augmentation), a t interval and a paired t-test over seeds, Holm's step-down
correction per metric across the pairs (arm vs baseline) of one table, and a three-way
verdict. There is no correction across metrics or classes: the per-class verdicts of a
table are uncorrected across its classes (``arms.summarize`` labels them so).
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import stats

NAN = float('nan')
ALPHA = 0.05


def t_interval(values: Sequence[float], level: float = 0.95) -> Tuple[float, float]:
    """Two-sided Student-t confidence interval of the mean; ``(nan, nan)`` below 2 values."""
    x = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if x.size < 2:
        return NAN, NAN
    half = stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return float(x.mean() - half), float(x.mean() + half)


def describe(values: Sequence[float]) -> Dict[str, object]:
    """``n``, ``mean``, ``std`` (ddof 1) and ``ci95`` of the non-NaN values."""
    x = [float(v) for v in values if not math.isnan(float(v))]
    return dict(n=len(x), mean=float(np.mean(x)) if x else NAN,
                std=float(np.std(x, ddof=1)) if len(x) > 1 else NAN,
                ci95=list(t_interval(x)))


def paired_seed_test(arm: Dict[str, float], baseline: Dict[str, float]) -> Dict[str, object]:
    """Difference ``arm - baseline`` paired by seed: mean, 95 % t interval, t-test p-value.

    Args:
        arm (dict): ``seed -> value`` of the compared arm.
        baseline (dict): ``seed -> value`` of the baseline arm.

    Seeds present in only one arm, or with a NaN value in either, are left out and listed in
    ``unpaired_seeds``. With fewer than two pairs, or no variation in the differences, the
    p-value is NaN (scipy's ``ttest_rel`` gives NaN for all-equal differences).
    """
    seeds = sorted(s for s in set(arm) & set(baseline)
                   if not (math.isnan(arm[s]) or math.isnan(baseline[s])))
    unpaired = sorted((set(arm) | set(baseline)) - set(seeds))
    diff = np.array([arm[s] - baseline[s] for s in seeds], dtype=np.float64)
    p_value = NAN
    if diff.size >= 2 and diff.std(ddof=1) > 0:
        p_value = float(stats.ttest_rel([arm[s] for s in seeds],
                                        [baseline[s] for s in seeds]).pvalue)
    return dict(n_pairs=int(diff.size), seeds=seeds, unpaired_seeds=unpaired,
                diffs=diff.tolist(), diff_mean=float(diff.mean()) if diff.size else NAN,
                diff_ci95=list(t_interval(diff)), p_value=p_value)


def holm(p_values: Sequence[float]) -> List[float]:
    """Holm's step-down adjusted p-values (family-wise error); NaN entries stay NaN and do
    not count towards the family size."""
    valid = [(p, i) for i, p in enumerate(p_values) if not math.isnan(p)]
    adjusted = [NAN] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(valid)):
        running = max(running, min(1.0, (len(valid) - rank) * p))
        adjusted[i] = running
    return adjusted


def verdict(diff_mean: float, diff_ci: Sequence[float], p_holm: Optional[float],
            alpha: float = ALPHA) -> str:
    """``better`` / ``worse`` when the Holm-corrected p is below ``alpha`` and ``diff_ci``,
    the (1 - alpha) CI of the seed-paired difference, excludes 0; ``unresolved`` otherwise
    (also with too few seeds). Metrics are "higher is better"."""
    low, high = diff_ci
    if p_holm is None or math.isnan(p_holm) or p_holm >= alpha or math.isnan(low):
        return 'unresolved'
    if low > 0:
        return 'better'
    if high < 0:
        return 'worse'
    return 'unresolved'


def compare_to_baseline(arms: Dict[str, Dict[str, float]], baseline: str,
                        alpha: float = ALPHA) -> Dict[str, Dict[str, object]]:
    """Paired seed tests of every arm against ``baseline`` for one metric, Holm-corrected
    across those pairs, with verdicts (p and the (1 - alpha) CI, ``verdict_ci``).
    ``arms``: ``arm -> {seed -> value}``."""
    others = [a for a in arms if a != baseline]
    tests = {a: paired_seed_test(arms[a], arms[baseline]) for a in others}
    for a, p in zip(others, holm([tests[a]['p_value'] for a in others])):
        tests[a]['p_holm'] = p
        tests[a]['verdict_ci'] = list(t_interval(tests[a]['diffs'], 1 - alpha))
        tests[a]['verdict'] = verdict(tests[a]['diff_mean'], tests[a]['verdict_ci'], p, alpha)
    return tests
