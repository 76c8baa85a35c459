"""Validation and training curves of runs or arms (study 000 fig. 1-2, study 004 fig. 2).

Each WORK_DIR is a run or an arm folder (``ARM/seed<S>/`` runs, as ``ablation.py --seeds``
writes them; a runner root stands for all its arms). An arm is drawn as its mean over seeds
with a shaded band (95 % Student-t CI or ±1 sd, named in the legend). Validation points of
epoch-based configs are placed at the iteration (or epoch) they were taken at, not at the
epoch number mmengine logs as their step. Reads ``<timestamp>/vis_data/scalars.json``.

Example::

    python tools/analysis_tools/plot_curves.py work_dirs/unet work_dirs/unet_r50 \
        --out work_dirs/compare/curves.png
    python tools/analysis_tools/plot_curves.py work_dirs/losses --x epoch \
        --keys mIoU mBIoU loss --band sd --out work_dirs/losses/curves.pdf --formats png
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import matplotlib  # noqa: E402

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from seglab.analysis.arms import arms_in_root, is_arm_folder  # noqa: E402
from seglab.analysis.curve_bands import BANDS, arm_run_dirs, band, run_series  # noqa: E402
from seglab.evaluation.metric_files import SCALARS  # noqa: E402

TITLES = {'mIoU': 'Validation mIoU (%)', 'loss': 'Training loss'}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Plot logged scalars (default: validation mIoU and training loss) of '
                    'runs or arms (mean over seeds with a band).')
    parser.add_argument('work_dirs', nargs='+', metavar='WORK_DIR')
    parser.add_argument('--names', nargs='+', default=None, help='legend names')
    parser.add_argument('--out', required=True, metavar='FILE.png',
                        help='output file; its extension (png, pdf, svg) sets the format')
    parser.add_argument('--formats', nargs='+', default=[], choices=('png', 'pdf', 'svg'),
                        help='also write the figure in these formats (same stem)')
    parser.add_argument('--keys', nargs='+', default=['mIoU', 'loss'],
                        help='logged scalars, one panel each: validation keys (mIoU, mBIoU, '
                             'IoU.<class>) or training keys (loss, decode.loss_ce, lr)')
    parser.add_argument('--x', choices=('iter', 'epoch'), default='iter',
                        help='x axis: iterations done (default) or epochs done')
    parser.add_argument('--band', choices=sorted(BANDS), default='ci',
                        help='band of an arm: 95%% Student-t CI (default) or ±1 sd')
    parser.add_argument('--dpi', type=int, default=100)
    parser.add_argument('--size', type=float, nargs=2, default=None, metavar=('W', 'H'),
                        help='figure size in inches (default 5 per panel x 4)')
    return parser.parse_args(argv)


def expand(work_dirs):
    out = []
    for d in work_dirs:
        inner = [] if is_arm_folder(d) else arms_in_root(d)
        out += inner or [d]
    return out


def plot_arms(arms, out, keys=('mIoU', 'loss'), x='iter', kind='ci', size=None, dpi=100,
              formats=()):
    """``arms``: ``[(name, [run dirs])]``. Returns ``{key: {arm: (xs, mean, low, high)}}``."""
    size = size or (5.0 * len(keys), 4.0)
    fig, axes = plt.subplots(1, len(keys), figsize=size, squeeze=False)
    drawn = {}
    for ax, key in zip(axes[0], keys):
        drawn[key] = {}
        for name, dirs in arms:
            xs, mean, low, high, n = band([run_series(d, key, x) for d in dirs], kind)
            if not xs:
                continue
            label = name if n < 2 else f'{name} (mean of {n} seeds, {BANDS[kind]})'
            (line,) = ax.plot(xs, mean, marker='o' if len(xs) < 30 else None, markersize=3,
                              label=label)
            if n >= 2:
                ax.fill_between(xs, low, high, color=line.get_color(), alpha=0.2, lw=0)
            drawn[key][name] = (xs, mean, low, high)
        ax.set(xlabel='iteration' if x == 'iter' else 'epoch', ylabel=key,
               title=TITLES.get(key, key))
        ax.grid(alpha=0.3)
        if drawn[key]:
            ax.legend(fontsize='small')
    fig.tight_layout()
    if osp.dirname(out):
        os.makedirs(osp.dirname(out), exist_ok=True)
    stem = osp.splitext(out)[0]
    paths = [out] + [f'{stem}.{fmt}' for fmt in formats if f'{stem}.{fmt}' != out]
    for path in paths:
        fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return drawn, paths


def main(argv=None):
    args = parse_args(argv)
    work_dirs = expand(args.work_dirs)
    if args.names is not None and len(args.names) != len(work_dirs):
        raise SystemExit(f'--names has {len(args.names)} names for {len(work_dirs)} '
                         'runs/arms')
    names = args.names or [osp.basename(osp.normpath(d)) for d in work_dirs]
    arms = [(n, arm_run_dirs(d)) for n, d in zip(names, work_dirs)]
    try:
        drawn, paths = plot_arms(arms, args.out, args.keys, args.x, args.band,
                                 tuple(args.size) if args.size else None, args.dpi,
                                 args.formats)
    except ValueError as err:
        raise SystemExit(str(err)) from None
    empty = [k for k, v in drawn.items() if not v]
    if len(empty) == len(drawn):
        raise SystemExit(f'no curves: none of the runs logged {args.keys} in {SCALARS}')
    if empty:
        print(f'note: nothing logged for {empty}', file=sys.stderr)
    print('written ' + ', '.join(paths))
    return drawn


if __name__ == '__main__':
    main()
