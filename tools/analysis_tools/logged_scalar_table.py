"""Table of a logged training scalar of arms over windows of training.

Each WORK_DIR is an arm folder (``ARM/seed<S>/``, as ``ablation.py --seeds`` writes them) or
one run; reads ``<timestamp>/vis_data/scalars.json`` of its finished seeds. Study 003's
measured omega * DF / CE over training, for instance::

    python tools/analysis_tools/logged_scalar_table.py \\
        projects/003_cdfl/results/runs/003-cdfl-0.01-mnv2-pretrained \\
        projects/003_cdfl/results/runs/003-cdfl-1000-mnv2-pretrained \\
        --names "CDFL (ω = 0.01)" "CDFL (ω = 1000)" --key decode.cdfl_df_to_ce \\
        --out projects/003_cdfl/results/seeded_df_to_ce
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from seglab.analysis.scalar_windows import arm_windows, to_markdown, write_csv  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Table of a logged training scalar of arms over windows of training.')
    parser.add_argument('work_dirs', nargs='+', metavar='WORK_DIR')
    parser.add_argument('--key', required=True,
                        help='logged training scalar, e.g. decode.cdfl_df_to_ce or lr')
    parser.add_argument('--names', nargs='+', default=None, help='row names')
    parser.add_argument('--windows', type=int, default=4,
                        help='equal spans of training iterations (default 4)')
    parser.add_argument('--format', default='.2e', help="number format (default '.2e')")
    parser.add_argument('--out', metavar='PREFIX',
                        help='write PREFIX.md and PREFIX.csv (default: Markdown to stdout)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    names = args.names or [osp.basename(osp.normpath(d)) for d in args.work_dirs]
    if len(names) != len(args.work_dirs):
        sys.exit(f'--names: {len(names)} names for {len(args.work_dirs)} work dirs')
    try:
        table = {n: arm_windows(d, args.key, args.windows)
                 for n, d in zip(names, args.work_dirs)}
    except ValueError as e:
        sys.exit(str(e))
    text = to_markdown(table, args.format)
    if args.out:
        with open(args.out + '.md', 'w') as f:
            f.write(text)
        write_csv(table, args.out + '.csv')
        print(f'wrote {args.out}.md and {args.out}.csv')
    else:
        print(text, end='')


if __name__ == '__main__':
    main()
