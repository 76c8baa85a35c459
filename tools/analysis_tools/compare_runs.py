"""Compare finished runs: study-000-style Markdown + CSV tables.

Reads each WORK_DIR's final evaluation (``detailed_metrics.json`` of DetailedIoUMetric, else
the last val line of ``<timestamp>/vis_data/scalars.json``) and, when present,
``WORK_DIR/benchmark.json`` (keys ``params``, ``flops``, ``images_per_s``; e.g.
``tools/analysis_tools/benchmark.py CONFIG --mode infer --out WORK_DIR/benchmark.json``).

Example::

    python tools/analysis_tools/compare_runs.py work_dirs/unet work_dirs/unet_r50 \
        --baseline unet --out work_dirs/compare/table
    # -> work_dirs/compare/table.md, work_dirs/compare/table.csv

Arms with several seeds (``ARM/seed<S>/`` work dirs, as ``ablation.py --seeds`` writes them)
get means, standard deviations and 95 % Student-t intervals over seeds, seed-paired
differences to the baseline with a paired t-test, Holm correction and a verdict::

    python tools/analysis_tools/compare_runs.py work_dirs/losses --baseline unet_ce
    # every arm folder in work_dirs/losses -> work_dirs/losses/summary.{md,csv,json}
    python tools/analysis_tools/compare_runs.py work_dirs/losses/unet_ce \
        work_dirs/losses/unet_focal --out work_dirs/compare/losses --latex
"""
import argparse
import json
import math
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from seglab.analysis import arm_report  # noqa: E402
from seglab.analysis.arms import (arms_in_root, check_comparable, is_arm_folder,  # noqa: E402
                                    load_arm, summarize)
from seglab.analysis.comparison import comparison_rows, to_csv, to_markdown  # noqa: E402
from seglab.analysis.convergence import convergence_table  # noqa: E402
from seglab.analysis.run_results import load_run  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Markdown/CSV table of several runs: aAcc/mIoU/mAcc/mDice/boundary IoU, '
                    'relative improvement over a baseline, per-class IoU, params/FLOPs/'
                    'throughput (from WORK_DIR/benchmark.json).')
    parser.add_argument('work_dirs', nargs='+', metavar='WORK_DIR')
    parser.add_argument('--names', nargs='+', default=None,
                        help='run names (default: the work dirs\' basenames)')
    parser.add_argument('--baseline', default=None,
                        help='name of the baseline run (default: the first)')
    parser.add_argument('--metric', default='mIoU',
                        help='metric of the relative-improvement column (default mIoU)')
    parser.add_argument('--out', default=None, metavar='PREFIX',
                        help='write PREFIX.md and PREFIX.csv (+ PREFIX.json for arms); '
                             'default: Markdown to stdout, and for arms ROOT/summary.* in '
                             'the folder holding the arms')
    parser.add_argument('--select', choices=('final', 'best'), default='final',
                        help='which evaluation of each run: the final one (default) or the '
                             'one with the highest validation mIoU (optimistic: chosen on '
                             'the data it is scored on)')
    parser.add_argument('--convergence', action='store_true',
                        help='arms: add a table saying whether each arm\'s seed-mean '
                             'validation mIoU moved by less than 1 point over the last fifth '
                             'of training')
    parser.add_argument('--add-metrics', nargs='+', default=(), metavar='KEY',
                        help='arms: also compare these summary keys (e.g. mIoU_batch_avg, '
                             'mPrecision, mRecall) besides aAcc, mIoU, mAcc, mDice, mBIoU')
    parser.add_argument('--alpha', type=float, default=0.05,
                        help='significance level of the verdicts (default 0.05)')
    parser.add_argument('--latex', action='store_true',
                        help='with arms, also write PREFIX.tex (booktabs)')
    parser.add_argument('--failed', nargs='+', default=(), metavar='ARM/seedS',
                        help='with arms: runs that failed (ablation.py --seeds passes them); '
                             'the summary is marked incomplete and an arm none of whose '
                             'seeds finished is left out instead of stopping the table')
    return parser.parse_args(argv)


def expand_roots(work_dirs):
    """A runner root (a folder of arm folders) stands for its arms."""
    out = []
    for d in work_dirs:
        inner = [] if is_arm_folder(d) else arms_in_root(d)
        out += inner or [d]
    return out


def nan_to_null(value):
    """Strict JSON: NaN (too few seeds, no variation) becomes null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: nan_to_null(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [nan_to_null(v) for v in value]
    return value


def write(prefix, texts):
    if osp.dirname(prefix):
        os.makedirs(osp.dirname(prefix), exist_ok=True)
    for ext, text in texts.items():
        with open(f'{prefix}.{ext}', 'w') as f:
            f.write(text)
    print('written ' + ', '.join(f'{prefix}.{ext}' for ext in texts))


def main_arms(args, work_dirs, names):
    arms, dropped = [], []
    for d, n in zip(work_dirs, names):
        try:
            arms.append(load_arm(d, n, args.select))
        except FileNotFoundError as err:
            if not args.failed:
                raise SystemExit(str(err)) from None
            dropped.append(f'arm {n or osp.basename(osp.normpath(d))} left out: {err}')
    if not arms:
        raise SystemExit('no arm has a finished run: ' + '; '.join(dropped))
    try:
        summary = summarize(arms, args.baseline, args.alpha, args.failed, args.add_metrics)
        summary['notes'] += dropped
    except ValueError as err:
        raise SystemExit(str(err)) from None
    if args.convergence:
        summary['convergence'] = convergence_table(arms)
    markdown = arm_report.to_markdown(summary)
    print(markdown)
    texts = {'md': markdown, 'csv': arm_report.to_csv(summary),
             'json': json.dumps(nan_to_null(summary), indent=2) + '\n'}
    if args.latex:
        texts['tex'] = arm_report.to_latex(summary, args.metric)
    prefix = args.out or osp.join(osp.commonpath([osp.abspath(d) for d in
                                                  [osp.dirname(osp.normpath(w))
                                                   for w in work_dirs]]), 'summary')
    write(prefix, texts)
    return summary


def main(argv=None):
    args = parse_args(argv)
    if args.names is not None and len(args.names) != len(args.work_dirs):
        raise SystemExit(f'--names has {len(args.names)} names for {len(args.work_dirs)} '
                         'work dirs')
    work_dirs = expand_roots(args.work_dirs)
    if args.names is not None and len(work_dirs) != len(args.work_dirs):
        raise SystemExit(f'--names: the arguments expand to {len(work_dirs)} arm folders')
    names = args.names or [None] * len(work_dirs)
    if any(is_arm_folder(d) for d in work_dirs):
        return main_arms(args, work_dirs, names)
    runs = [load_run(d, n, args.select) for d, n in zip(work_dirs, names)]
    if len({r.name for r in runs}) != len(runs):
        raise SystemExit('two runs have the same name; pass --names')
    try:
        check_comparable(runs)
    except ValueError as err:
        raise SystemExit(str(err)) from None
    markdown = to_markdown(runs, args.baseline, args.metric)
    table_csv = to_csv(comparison_rows(runs, args.baseline, args.metric))
    if args.out is None:
        print(markdown)
        return
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out + '.md', 'w') as f:
        f.write(markdown)
    with open(args.out + '.csv', 'w') as f:
        f.write(table_csv)
    print(markdown)
    print(f'written {args.out}.md and {args.out}.csv')


if __name__ == '__main__':
    main()
