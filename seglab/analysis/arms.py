"""Arms x seeds: load the seed runs of each compared method, check that they are comparable,
and aggregate them into the statistics of ``seed_stats`` (the ``summary.json`` content).

An *arm folder* holds one work dir per seed, ``ARM/seed<S>/`` (what
``tools/analysis_tools/ablation.py CONFIG... --seeds S... --work-dir ROOT`` writes as
``ROOT/<config stem>/seed<S>/``). A plain work dir is an arm with one run and no seed.

In an arm folder the runner wrote (some seed dir holds its ``ablation_run.json`` or
``train_output.log``), only seeds with ``ablation_run.json`` -- written once the run finished
-- count: a crashed, killed or still-training run's intermediate evaluation is excluded and
listed in ``Arm.excluded``. Hand-made arm folders (no runner file anywhere) take every seed
with an evaluation, as before.
"""
import math
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from .run_results import RunResults, load_run, read_per_image
from .seed_runner import LOG_FILE, STATE_FILE
from .seed_stats import ALPHA, compare_to_baseline, describe
from .significance import pair_scores, paired_tests

SEED_DIR = re.compile(r'^seed(\d+)$')
# The image-level metrics of multi-task models (final evaluation) join when a run has them.
ARM_METRICS = ('aAcc', 'mIoU', 'mAcc', 'mDice', 'mBIoU', 'label_acc', 'presence_mAP',
               'box_MAE', 'box_mIoU')
NO_SEED = '-'


@dataclass
class Arm:
    """One compared method: its seed runs (``seed -> RunResults``; ``'-'`` for one run)."""
    name: str
    path: str
    runs: Dict[str, RunResults] = field(default_factory=dict)
    excluded: Dict[str, str] = field(default_factory=dict)  # seed -> why it is left out


def seed_dirs(path: str) -> List[tuple]:
    """``[(seed, dir)]`` of the ``seed<S>/`` subfolders, by seed number."""
    if not osp.isdir(path):
        return []
    found = [(int(m.group(1)), osp.join(path, d)) for d in os.listdir(path)
             if (m := SEED_DIR.match(d)) and osp.isdir(osp.join(path, d))]
    return [(str(s), d) for s, d in sorted(found)]


def is_arm_folder(path: str) -> bool:
    return bool(seed_dirs(path))


def arms_in_root(root: str) -> List[str]:
    """Arm folders directly inside ``root`` (a runner's ``--work-dir``), sorted by name."""
    if not osp.isdir(root):
        return []
    return [osp.join(root, d) for d in sorted(os.listdir(root))
            if is_arm_folder(osp.join(root, d))]


def load_arm(path: str, name: Optional[str] = None, select: str = 'final',
             skip_unfinished: bool = True) -> Arm:
    """All finished seed runs of an arm folder, or the single run of a work dir."""
    arm = Arm(name=name or osp.basename(osp.normpath(path)), path=path)
    seeds = seed_dirs(path)
    if not seeds:
        arm.runs[NO_SEED] = load_run(path, arm.name, select)
        return arm
    by_runner = any(osp.isfile(osp.join(d, f)) for _, d in seeds for f in (STATE_FILE, LOG_FILE))
    for seed, run_dir in seeds:
        if by_runner and not osp.isfile(osp.join(run_dir, STATE_FILE)):
            if not skip_unfinished:
                raise FileNotFoundError(f'{run_dir}: no {STATE_FILE}; the run did not finish')
            arm.excluded[seed] = f'unfinished (no {STATE_FILE})'
            continue
        try:
            arm.runs[seed] = load_run(run_dir, f'{arm.name}/seed{seed}', select)
        except FileNotFoundError:
            if not skip_unfinished:
                raise
            arm.excluded[seed] = 'no evaluation'
    if not arm.runs:
        raise FileNotFoundError(f'{path}: none of its seed runs {[s for s, _ in seeds]} has '
                                + ('finished' if by_runner else 'an evaluation yet'))
    return arm


def split_label(run: RunResults) -> str:
    """``stage/N img #fingerprint`` of the evaluation a run's numbers come from."""
    parts = [run.stage or '?']
    if run.num_images is not None:
        parts.append(f'{run.num_images} img')
    if run.image_set:
        parts.append('#' + run.image_set[:6])
    return ' '.join(parts)


def check_comparable(runs: Sequence[RunResults]) -> None:
    """Refuse runs evaluated on different image sets or at different stages (val / test)."""
    def differing(attr):
        values = {getattr(r, attr) for r in runs if getattr(r, attr) is not None}
        return len(values) > 1
    if differing('image_set') or differing('stage'):
        listing = '; '.join(f'{r.name}: {split_label(r)}' for r in runs)
        raise ValueError('refusing to compare runs evaluated on different splits or stages '
                         f'(stage, images, fingerprint) -- {listing}. Evaluate every run on '
                         'the same split (e.g. tools/test.py CONFIG CKPT --work-dir DIR for '
                         'all of them, or compare only their validations).')


def metric_values(arm: Arm, key: str) -> Dict[str, float]:
    """``seed -> value`` of ``key`` (a summary key or ``IoU.<class>``), NaN if missing."""
    if key.startswith('IoU.'):
        return {s: r.per_class_iou.get(key[4:], math.nan) for s, r in arm.runs.items()}
    return {s: r.summary.get(key, math.nan) for s, r in arm.runs.items()}


def metric_keys(arms: Sequence[Arm], extra: Sequence[str] = ()) -> List[str]:
    """The compared keys: those of ``ARM_METRICS`` and ``extra`` (summary keys such as
    ``mIoU_batch_avg`` or ``mPrecision``) that some run has, then ``IoU.<class>``."""
    runs = [r for a in arms for r in a.runs.values()]
    missing = [k for k in extra if not any(k in r.summary for r in runs)]
    if missing:
        have = sorted({k for r in runs for k in r.summary})
        raise ValueError(f'no run has the metric(s) {missing}; the runs have {have}')
    keys = [k for k in dict.fromkeys(ARM_METRICS + tuple(extra))
            if any(k in r.summary for r in runs)]
    classes: List[str] = []
    for r in runs:
        classes += [c for c in r.per_class_iou if c not in classes]
    return keys + [f'IoU.{c}' for c in classes
                   if any(not math.isnan(r.per_class_iou.get(c, math.nan)) for r in runs)]


def image_level_pooled(arm: Arm, base: Arm) -> Optional[Dict[str, float]]:
    """Per-image paired tests of mIoU with the images of every common seed pooled. Only a
    description of image-to-image variation: never a verdict about the methods."""
    a_all, b_all, seeds = [], [], []
    for seed in sorted(set(arm.runs) & set(base.runs)):
        ra, rb = arm.runs[seed], base.runs[seed]
        if ra.per_image_file is None or rb.per_image_file is None or ra.select != 'final':
            return None
        try:
            b, a, _ = pair_scores(read_per_image(rb.per_image_file),
                                  read_per_image(ra.per_image_file), (rb.name, ra.name))
        except ValueError as err:  # e.g. no common images: this column only, not the table
            return dict(unavailable=str(err))
        a_all += list(a)
        b_all += list(b)
        seeds.append(seed)
    if len(a_all) < 2:
        return None
    result = paired_tests(b_all, a_all)
    return dict(n_images=result['n'], seeds=seeds, mean_diff=result['mean_diff'] * 100,
                wilcoxon_p=result['wilcoxon_p'], ttest_p=result['ttest_p'])


def summarize(arms: Sequence[Arm], baseline: Optional[str] = None,
              alpha: float = ALPHA, failed: Sequence[str] = (),
              extra_metrics: Sequence[str] = ()) -> Dict[str, object]:
    """The ``summary.json`` dict: per-arm statistics and per-pair seed-level tests.
    ``failed``: runs that failed in the invocation that made the summary; with them or with
    excluded seeds, ``incomplete_runs`` lists what is missing. ``extra_metrics``: summary
    keys compared besides ``ARM_METRICS`` (see ``metric_keys``)."""
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise ValueError(f'two arms have the same name {names}; pass --names')
    baseline = baseline or names[0]
    if baseline not in names:
        raise ValueError(f'--baseline {baseline!r} is none of the arms {names}')
    runs = [r for a in arms for r in a.runs.values()]
    check_comparable(runs)
    selects = {r.select for r in runs}
    keys = metric_keys(arms, extra_metrics)
    out: Dict[str, object] = dict(
        select=selects.pop() if len(selects) == 1 else sorted(selects), baseline=baseline,
        alpha=alpha, metrics=keys, split=split_label(runs[0]),
        interval='95% Student-t over seeds', test='paired t-test over seeds (same seed in '
        'both arms)', correction='Holm per metric across the pairs of one table; none '
        'across metrics or classes (per-class verdicts are uncorrected across classes)',
        verdict_rule=f'better/worse when p (Holm) < {alpha} and the {1 - alpha:.0%} t '
        'interval of the paired difference (verdict_ci) excludes 0',
        arms={}, pairs=[], notes=[])
    incomplete = list(failed) + [f'{a.name}/seed{s}' for a in arms for s in a.excluded
                                 if f'{a.name}/seed{s}' not in failed]
    if incomplete:
        out['incomplete_runs'] = incomplete
    for arm in arms:
        out['notes'] += [f'{arm.name} seed{s} excluded: {why}' for s, why in arm.excluded.items()]
    for arm in arms:
        out['arms'][arm.name] = dict(
            path=arm.path, seeds=list(arm.runs), n_seeds=len(arm.runs),
            excluded_seeds=dict(arm.excluded),
            steps={s: r.step for s, r in arm.runs.items()},
            metrics={k: dict(describe(list(metric_values(arm, k).values())),
                             values=metric_values(arm, k)) for k in keys})
        for stats in out['arms'][arm.name]['metrics'].values():
            stats['n_seeds'] = stats.pop('n')
    by_name = {a.name: a for a in arms}
    tests = {k: compare_to_baseline({a.name: metric_values(a, k) for a in arms}, baseline,
                                    alpha) for k in keys}
    for arm in arms:
        if arm.name == baseline:
            continue
        pair = dict(arm=arm.name, baseline=baseline,
                    metrics={k: dict(tests[k][arm.name], correction=(
                        'Holm across pairs; uncorrected across classes' if k.startswith('IoU.')
                        else 'Holm across pairs')) for k in keys})
        image = image_level_pooled(arm, by_name[baseline])
        if image is not None and 'unavailable' in image:
            out['notes'].append(f"{arm.name}: no image-level test ({image['unavailable']})")
            image = None
        pair['image_level_pooled_over_seeds'] = image
        out['pairs'].append(pair)
    return out
