"""Qualitative panels (study 000 fig. 3-4, study 004 §IV): input | ground truth | model A |
model B ... in the dataset palette, one row per image, from prediction PNGs saved by
``tools/test.py --out DIR``. Without ``--images``, the ``--num`` images where the first two
models disagree most (one model: where it errs most) are picked, skipping near copies of an
image already picked (consecutive video frames; ``--min-difference``). A legend names the
classes shown in their palette colours.

Example::

    python tools/analysis_tools/qualitative.py CONFIG work_dirs/a/preds work_dirs/b/preds \
        --names U-Net "ResNet-50 U-Net" --num 4 --out work_dirs/compare/qualitative.png
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import matplotlib  # noqa: E402

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from seglab.analysis.predictions import (classes_shown, colorize, disagreement,  # noqa: E402
                                           iter_samples, load_eval_dataset, pick_distinct)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='PNG panels input | GT | model predictions, largest disagreement first.')
    parser.add_argument('config', help='config whose test (or --split) dataset was predicted')
    parser.add_argument('pred_dirs', nargs='+', metavar='PRED_DIR',
                        help='prediction PNG folders (tools/test.py --out), one per model')
    parser.add_argument('--names', nargs='+', default=None, help='model names (columns)')
    parser.add_argument('--images', nargs='+', default=None,
                        help='image file names or stems to show (default: picked)')
    parser.add_argument('--num', type=int, default=4, help='images picked (default 4)')
    parser.add_argument('--out', required=True, metavar='FILE.png')
    parser.add_argument('--split', default='test', choices=['val', 'test'])
    parser.add_argument('--dpi', type=int, default=100)
    parser.add_argument('--min-difference', type=float, default=0.1,
                        help='automatic picking skips images whose grey 32x24 thumbnail '
                             'differs from a picked one by less than this mean absolute '
                             'difference in [0, 1] (default 0.1; 0 disables)')
    parser.add_argument('--no-legend', action='store_true', help='no class-colour legend')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='config overrides, e.g. test_dataloader.dataset.data_root=DIR')
    return parser.parse_args(argv)


def select(samples, images, num, ignore_index, min_difference=0.0):
    if images:
        wanted = {osp.splitext(osp.basename(name))[0] for name in images}
        chosen = [s for s in samples if osp.splitext(osp.basename(s['img_path']))[0] in wanted]
        missing = wanted - {osp.splitext(osp.basename(s['img_path']))[0] for s in chosen}
        if missing:
            raise SystemExit(f'--images {sorted(missing)}: not in the dataset or not predicted '
                             'in every PRED_DIR')
        return chosen
    for s in samples:
        s['disagreement'] = disagreement(s['gt'], s['preds'], ignore_index)
    ranked = sorted(samples, key=lambda s: -s['disagreement'])
    return pick_distinct(ranked, num, min_difference)


def main(argv=None):
    args = parse_args(argv)
    names = args.names or [osp.basename(osp.normpath(d)) for d in args.pred_dirs]
    if len(names) != len(args.pred_dirs):
        raise SystemExit(f'--names has {len(names)} names for {len(args.pred_dirs)} PRED_DIRs')
    dataset = load_eval_dataset(args.config, args.cfg_options, args.split)
    palette = dataset.metainfo['palette']
    samples = list(iter_samples(dataset, args.pred_dirs))
    if not samples:
        raise SystemExit('no image of the dataset has a prediction PNG in every PRED_DIR')
    chosen = select(samples, args.images, args.num, dataset.ignore_index,
                    args.min_difference)
    columns = ['input', 'ground truth'] + names
    fig, axes = plt.subplots(len(chosen), len(columns),
                             figsize=(2.2 * len(columns), 2.2 * len(chosen)), squeeze=False)
    for row, sample in enumerate(chosen):
        panels = [sample['img']] + [colorize(x, palette, dataset.ignore_index)
                                    for x in [sample['gt']] + sample['preds']]
        for col, panel in enumerate(panels):
            ax = axes[row][col]
            ax.imshow(panel)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(columns[col], fontsize=9)
        axes[row][0].set_ylabel(osp.splitext(osp.basename(sample['img_path']))[0], fontsize=8)
    legend = [] if args.no_legend else add_legend(fig, chosen, dataset)
    fig.tight_layout(rect=(0, 0.06 if legend else 0, 1, 1))
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    fig.savefig(args.out, dpi=args.dpi)
    plt.close(fig)
    picked = [osp.basename(s['img_path']) for s in chosen]
    print(f'written {args.out}: {", ".join(picked)}')
    return picked


def add_legend(fig, chosen, dataset):
    """A figure legend of the classes in the shown ground truths and predictions."""
    classes = dataset.metainfo['classes']
    palette = dataset.metainfo['palette']
    shown = classes_shown([x for s in chosen for x in [s['gt']] + s['preds']], len(classes))
    handles = [Patch(facecolor=np.asarray(palette[i]) / 255.0, edgecolor='0.5',
                     label=classes[i]) for i in shown]
    if any((s['gt'] == dataset.ignore_index).any() for s in chosen):
        handles.append(Patch(facecolor='white', edgecolor='0.5', label='ignore'))
    if handles:
        fig.legend(handles=handles, loc='lower center', ncol=min(len(handles), 8),
                   fontsize=7, frameon=False)
    return [h.get_label() for h in handles]


if __name__ == '__main__':
    main()
