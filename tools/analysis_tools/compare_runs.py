"""Compare finished runs: study-000-style Markdown + CSV tables.

Reads each WORK_DIR's final evaluation (``detailed_metrics.json`` of DetailedIoUMetric, else
the last val line of ``<timestamp>/vis_data/scalars.json``) and, when present,
``WORK_DIR/benchmark.json`` (keys ``params``, ``flops``, ``images_per_s``; e.g.
``tools/analysis_tools/benchmark.py CONFIG --mode infer --out WORK_DIR/benchmark.json``).

Example::

    python tools/analysis_tools/compare_runs.py work_dirs/unet work_dirs/unet_r50 \
        --baseline unet --out work_dirs/compare/table
    # -> work_dirs/compare/table.md, work_dirs/compare/table.csv
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from seglab.evaluation.comparison import comparison_rows, to_csv, to_markdown  # noqa: E402
from seglab.evaluation.run_results import load_run  # noqa: E402


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
                        help='write PREFIX.md and PREFIX.csv (default: Markdown to stdout)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.names is not None and len(args.names) != len(args.work_dirs):
        raise SystemExit(f'--names has {len(args.names)} names for {len(args.work_dirs)} '
                         'work dirs')
    names = args.names or [None] * len(args.work_dirs)
    runs = [load_run(d, n) for d, n in zip(args.work_dirs, names)]
    if len({r.name for r in runs}) != len(runs):
        raise SystemExit('two runs have the same name; pass --names')
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
