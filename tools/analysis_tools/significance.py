"""Paired significance test of two runs over per-image mean IoU (study 004 §IV):
Wilcoxon signed-rank and paired t-test (scipy), Cohen's d_z, number of images.

RUN_A / RUN_B: a work dir evaluated with ``DetailedIoUMetric(per_image=True)`` (its newest
``per_image.jsonl`` is used) or a ``per_image.jsonl`` file. Images are paired by path.

Example::

    python tools/analysis_tools/significance.py work_dirs/unet work_dirs/unet_r50
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from seglab.evaluation.run_results import per_image_scores  # noqa: E402
from seglab.evaluation.significance import pair_scores, paired_tests  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Paired Wilcoxon signed-rank and t-test (B - A) over per-image mIoU.')
    parser.add_argument('run_a', metavar='RUN_A', help='work dir or per_image.jsonl')
    parser.add_argument('run_b', metavar='RUN_B', help='work dir or per_image.jsonl')
    parser.add_argument('--json', default=None, metavar='FILE', help='also write the result')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    scores_a, scores_b = per_image_scores(args.run_a), per_image_scores(args.run_b)
    a, b, common = pair_scores(scores_a, scores_b)
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
