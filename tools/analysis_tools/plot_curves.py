"""Validation mIoU and training loss against iteration for several runs, one figure
(study 000 fig. 1-2, study 004 fig. 2). Reads ``<timestamp>/vis_data/scalars.json``.

Example::

    python tools/analysis_tools/plot_curves.py work_dirs/unet work_dirs/unet_r50 \
        --out work_dirs/compare/curves.png
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import matplotlib  # noqa: E402

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from seglab.evaluation.run_results import load_run  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Plot validation mIoU and training loss vs iteration for several runs.')
    parser.add_argument('work_dirs', nargs='+', metavar='WORK_DIR')
    parser.add_argument('--names', nargs='+', default=None, help='legend names')
    parser.add_argument('--out', required=True, metavar='FILE.png')
    parser.add_argument('--dpi', type=int, default=100)
    parser.add_argument('--size', type=float, nargs=2, default=(10.0, 4.0),
                        metavar=('W', 'H'), help='figure size in inches (default 10 4)')
    return parser.parse_args(argv)


def plot_runs(runs, out, size=(10.0, 4.0), dpi=100):
    fig, (ax_miou, ax_loss) = plt.subplots(1, 2, figsize=size)
    for run in runs:
        if run.val_curve:
            steps, values = zip(*run.val_curve)
            ax_miou.plot(steps, values, marker='o', label=run.name)
        if run.loss_curve:
            steps, values = zip(*run.loss_curve)
            ax_loss.plot(steps, values, label=run.name)
    ax_miou.set(xlabel='iteration', ylabel='val mIoU (%)', title='Validation mIoU')
    ax_loss.set(xlabel='iteration', ylabel='loss', title='Training loss')
    for ax in (ax_miou, ax_loss):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    if osp.dirname(out):
        os.makedirs(osp.dirname(out), exist_ok=True)
    fig.savefig(out, dpi=dpi)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    names = args.names or [None] * len(args.work_dirs)
    runs = [load_run(d, n) for d, n in zip(args.work_dirs, names)]
    if not any(r.val_curve or r.loss_curve for r in runs):
        raise SystemExit('no curves: none of the work dirs has a vis_data/scalars.json with '
                         'loss or mIoU lines')
    plot_runs(runs, args.out, tuple(args.size), args.dpi)
    print(f'written {args.out}')


if __name__ == '__main__':
    main()
