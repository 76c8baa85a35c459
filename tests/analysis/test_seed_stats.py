"""Seed-level statistics against scipy and hand computations."""
import math

import numpy as np
import pytest
from scipy import stats

from seglab.analysis.seed_stats import (compare_to_baseline, describe, holm,
                                          paired_seed_test, t_interval, verdict)


def test_t_interval_and_describe_match_scipy():
    x = [41.2, 43.9, 40.1, 44.6, 42.0]
    low, high = t_interval(x)
    ref = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    assert (low, high) == pytest.approx(ref)
    d = describe(x + [float('nan')])
    assert d['n'] == 5 and d['mean'] == pytest.approx(np.mean(x))
    assert d['std'] == pytest.approx(np.std(x, ddof=1))
    assert d['ci95'] == pytest.approx(list(ref))
    assert all(math.isnan(v) for v in t_interval([3.0]))
    assert math.isnan(describe([3.0])['std'])


def test_paired_seed_test_matches_ttest_rel_and_pairs_by_seed():
    base = {'0': 40.0, '1': 42.5, '2': 39.0, '3': 41.0, '4': 38.0}
    arm = {'0': 41.5, '1': 43.0, '2': 41.0, '3': 41.2, '5': 50.0}  # seed 4/5 unpaired
    t = paired_seed_test(arm, base)
    a, b = [arm[s] for s in '0123'], [base[s] for s in '0123']
    diff = np.subtract(a, b)
    assert t['seeds'] == ['0', '1', '2', '3'] and t['unpaired_seeds'] == ['4', '5']
    assert t['diff_mean'] == pytest.approx(diff.mean())
    assert t['p_value'] == pytest.approx(stats.ttest_rel(a, b).pvalue)
    ref = stats.t.interval(0.95, 3, loc=diff.mean(), scale=stats.sem(diff))
    assert t['diff_ci95'] == pytest.approx(list(ref))
    # A constant difference has no variance: no p-value rather than p = 0.
    same = paired_seed_test({'0': 2.0, '1': 3.0}, {'0': 1.0, '1': 2.0})
    assert math.isnan(same['p_value'])


def test_holm_against_a_hand_computation():
    # sorted p: 0.01 (x4 -> 0.04), 0.02 (x3 -> 0.06), 0.03 (x2 -> 0.06, monotone), 0.5 (x1)
    adjusted = holm([0.03, 0.5, 0.01, float('nan'), 0.02])
    expected = [0.06, 0.5, 0.04, float('nan'), 0.06]
    for got, want in zip(adjusted, expected):
        assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want)
    assert holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])


def test_holm_matches_statsmodels_when_installed():
    multitest = pytest.importorskip('statsmodels.stats.multitest')
    p = [0.001, 0.04, 0.03, 0.2, 0.012]
    assert holm(p) == pytest.approx(list(multitest.multipletests(p, method='holm')[1]))


def test_verdicts_need_corrected_p_and_a_ci_excluding_zero():
    assert verdict(1.0, (0.2, 1.8), 0.01) == 'better'
    assert verdict(-1.0, (-1.8, -0.2), 0.01) == 'worse'
    assert verdict(1.0, (0.2, 1.8), 0.06) == 'unresolved'
    assert verdict(1.0, (-0.1, 2.1), 0.01) == 'unresolved'
    assert verdict(1.0, (float('nan'), float('nan')), float('nan')) == 'unresolved'


def test_compare_to_baseline_corrects_across_pairs():
    rng = np.random.default_rng(3)
    base = {str(s): 40 + rng.normal() for s in range(5)}
    arms = {'base': base,
            'big': {s: v + 3 + 0.1 * rng.normal() for s, v in base.items()},
            'tiny': {s: v + 0.05 * rng.normal() for s, v in base.items()}}
    tests = compare_to_baseline(arms, 'base')
    raw = [tests[a]['p_value'] for a in ('big', 'tiny')]
    assert [tests[a]['p_holm'] for a in ('big', 'tiny')] == pytest.approx(holm(raw))
    assert tests['big']['p_holm'] == pytest.approx(min(1, 2 * min(raw)))
    assert tests['big']['verdict'] == 'better' and tests['tiny']['verdict'] == 'unresolved'


def test_verdict_interval_has_level_one_minus_alpha():
    base = {'0': 40.0, '1': 41.0, '2': 39.0, '3': 40.5}
    diffs = [1.0, 0.5, 1.5, 0.2]
    arm = {s: v + d for (s, v), d in zip(base.items(), diffs)}
    p = stats.ttest_rel(list(arm.values()), list(base.values())).pvalue
    assert 0.05 < p < 0.1  # significant at 0.1 only: a 95 % CI would still include 0
    got = compare_to_baseline({'base': base, 'arm': arm}, 'base', alpha=0.1)['arm']
    want = stats.t.interval(0.9, 3, loc=np.mean(diffs), scale=stats.sem(diffs))
    assert got['verdict_ci'] == pytest.approx(list(want))
    assert got['diff_ci95'][0] < 0 < got['verdict_ci'][0]
    assert got['verdict'] == 'better'
    assert compare_to_baseline({'base': base, 'arm': arm}, 'base')['arm']['verdict'] == \
        'unresolved'
