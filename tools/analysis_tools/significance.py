"""Paired significance test of two runs over per-image mean IoU (study 004 §IV):
Wilcoxon signed-rank and paired t-test (scipy), Cohen's d_z, number of images.

RUN_A / RUN_B: a work dir evaluated with ``DetailedIoUMetric(per_image=True)`` (its newest
``per_image.jsonl`` is used) or a ``per_image.jsonl`` file. Images are paired by their path
relative to the common folder of each run's images, so two mounts of the same data pair.

A per-image test of one run per method measures image-to-image variation only, not whether
the method is better: for arm folders (``ARM/seed<S>/`` runs) this tool runs the seed-level
test instead (mIoU paired by seed, paired t-test over seeds, 95 % CI of the difference).

Example::

    python tools/analysis_tools/significance.py work_dirs/unet work_dirs/unet_r50
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from seglab.analysis.arms import is_arm_folder, load_arm, metric_values  # noqa: E402
from seglab.analysis.run_results import per_image_scores  # noqa: E402
from seglab.analysis.seed_stats import paired_seed_test, verdict  # noqa: E402
from seglab.analysis.significance import pair_scores, paired_tests  # noqa: E402
from seglab.evaluation.metric_files import PER_IMAGE  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Paired Wilcoxon signed-rank and t-test (B - A) over per-image mIoU.')
    parser.add_argument('run_a', metavar='RUN_A', help=f'work dir or {PER_IMAGE}')
    parser.add_argument('run_b', metavar='RUN_B', help=f'work dir or {PER_IMAGE}')
    parser.add_argument('--json', default=None, metavar='FILE', help='also write the result')
    return parser.parse_args(argv)


def seed_level(args):
    arm_a, arm_b = load_arm(args.run_a), load_arm(args.run_b)
    result = paired_seed_test(metric_values(arm_b, 'mIoU'), metric_values(arm_a, 'mIoU'))
    result['verdict'] = verdict(result['diff_mean'], result['diff_ci95'], result['p_value'])
    result.update(run_a=args.run_a, run_b=args.run_b, level='seed')
    low, high = result['diff_ci95']
    print(f"seed-level test of mIoU, B - A paired by seed: {result['n_pairs']} seeds "
          f"{result['seeds']}, mean {result['diff_mean']:+.2f} points, 95% CI "
          f"[{low:+.2f}, {high:+.2f}], paired t-test p = {result['p_value']:.4g} -> "
          f"{result['verdict']}")
    return result


def main(argv=None):
    args = parse_args(argv)
    if is_arm_folder(args.run_a) or is_arm_folder(args.run_b):
        result = seed_level(args)
        if args.json:
            with open(args.json, 'w') as f:
                json.dump(result, f, indent=2)
        return result
    scores_a, scores_b = per_image_scores(args.run_a), per_image_scores(args.run_b)
    try:
        a, b, common = pair_scores(scores_a, scores_b, (args.run_a, args.run_b))
    except ValueError as err:
        raise SystemExit(str(err)) from None
    if len(common) < len(scores_a) or len(common) < len(scores_b):
        print(f'note: {len(scores_a)} and {len(scores_b)} images, {len(common)} in common; '
              'only those are paired', file=sys.stderr)
    result = paired_tests(a, b)
    result.update(run_a=args.run_a, run_b=args.run_b)
    print(f"n = {result['n']} images; mean per-image mIoU A = {result['mean_a']:.4f}, "
          f"B = {result['mean_b']:.4f}, B - A = {result['mean_diff']:+.4f}")
    print(f"Wilcoxon signed-rank: W = {result['wilcoxon_statistic']:.4g}, "
          f"p = {result['wilcoxon_p']:.4g}")
    print(f"paired t-test: t = {result['ttest_statistic']:.4g}, p = {result['ttest_p']:.4g}")
    print(f"effect size Cohen's d_z = {result['cohens_dz']:.4g}")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
