"""Paired significance tests over per-image scores (study 004 §IV): Wilcoxon signed-rank
and paired t-test (scipy), effect size Cohen's d_z = mean(diff) / std(diff, ddof=1)."""
import os.path as osp
from typing import Dict

import numpy as np
from scipy import stats


def paired_tests(a: np.ndarray, b: np.ndarray) -> Dict[str, float]:
    """Tests of ``b - a`` over paired samples; returns n, means, statistics and p-values."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f'paired scores need two 1-D arrays of equal length, got {a.shape} '
                         f'and {b.shape}')
    if a.size < 2:
        raise ValueError(f'paired tests need at least 2 common images, got {a.size}')
    diff = b - a
    sd = diff.std(ddof=1)
    t = stats.ttest_rel(b, a)
    if np.all(diff == 0):
        w_stat, w_p = float('nan'), 1.0
    else:
        w = stats.wilcoxon(b, a)
        w_stat, w_p = float(w.statistic), float(w.pvalue)
    return dict(n=int(a.size), mean_a=float(a.mean()), mean_b=float(b.mean()),
                mean_diff=float(diff.mean()), wilcoxon_statistic=w_stat, wilcoxon_p=w_p,
                ttest_statistic=float(t.statistic), ttest_p=float(t.pvalue),
                cohens_dz=float(diff.mean() / sd) if sd > 0 else float('nan'))


def relative_to_common_root(scores: Dict[str, float]) -> Dict[str, float]:
    """Re-key ``img_path -> score`` by the path relative to the images' common folder (the
    data root or below), so runs of the same data mounted at two places pair."""
    paths = list(scores)
    try:
        root = osp.commonpath([osp.dirname(p) for p in paths]) if len(paths) > 1 else ''
    except ValueError:  # absolute and relative paths mixed
        root = ''
    return {(osp.relpath(p, root) if root else osp.basename(p)): v for p, v in scores.items()}


def pair_scores(scores_a: Dict[str, float], scores_b: Dict[str, float],
                names=('A', 'B')):
    """Align two ``img_path -> score`` dicts on their common images (sorted), pairing by
    path relative to each run's common image folder. Raises ``ValueError`` naming both
    sides when they share no image."""
    scores_a, scores_b = relative_to_common_root(scores_a), relative_to_common_root(scores_b)
    common = sorted(set(scores_a) & set(scores_b))
    if not common:
        raise ValueError(
            f'{names[0]} and {names[1]} share no image ({len(scores_a)} and {len(scores_b)} '
            f'images, e.g. {sorted(scores_a)[:1]} vs {sorted(scores_b)[:1]} relative to '
            'their common folders): were they evaluated on the same split?')
    return (np.array([scores_a[k] for k in common]), np.array([scores_b[k] for k in common]),
            common)
