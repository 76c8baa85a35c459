"""Confusion matrix (PNG + CSV counts) from prediction PNGs saved by ``tools/test.py --out DIR``
and the ground truth of the config's dataset. The figure is row-normalised by default (each
row: where the pixels of that true class went) with the value written in every cell.

mmseg's own ``confusion_matrix.py`` reads a pickle of test results, which seglab's
``tools/test.py --out`` does not write (it saves PNGs), hence this tool.

Example::

    python tools/test.py CONFIG CKPT --out work_dirs/run/preds
    python tools/analysis_tools/confusion_matrix.py CONFIG work_dirs/run/preds \
        --out work_dirs/run/confusion.png
"""
import argparse
import csv
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import matplotlib  # noqa: E402

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from seglab.analysis.predictions import (confusion_matrix, iter_samples,  # noqa: E402
                                           load_eval_dataset)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Confusion matrix from saved prediction PNGs and the dataset GT.')
    parser.add_argument('config', help='config whose test (or --split) dataset was predicted')
    parser.add_argument('pred_dir', help='folder of prediction PNGs (tools/test.py --out)')
    parser.add_argument('--out', required=True, metavar='FILE.png',
                        help='figure; the counts go to FILE.csv')
    parser.add_argument('--split', default='test', choices=['val', 'test'])
    parser.add_argument('--normalize', choices=['none', 'true', 'pred'], default='true',
                        help='row (true) or column (pred) normalisation of the figure')
    parser.add_argument('--dpi', type=int, default=100)
    parser.add_argument('--no-values', action='store_true',
                        help='do not write the value into each cell')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='config overrides, e.g. test_dataloader.dataset.data_root=DIR')
    return parser.parse_args(argv)


def plot_confusion(shown, classes, out, title, dpi=100, values=True, fmt='{:.2f}'):
    """Draw the matrix; with ``values``, each non-zero cell carries its number (white on
    dark cells; zero cells stay blank to keep large matrices readable). Returns the cell
    texts, row-major."""
    num_classes = len(classes)
    size = max(4.0, 0.45 * num_classes + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    image = ax.imshow(shown, cmap='Blues')
    ax.set_xticks(range(num_classes), classes, rotation=90)
    ax.set_yticks(range(num_classes), classes)
    ax.set(xlabel='prediction', ylabel='ground truth', title=title)
    texts = []
    if values:
        top = shown.max() if shown.size and shown.max() > 0 else 1.0
        fontsize = 7 if num_classes <= 25 else 5  # a cell is 0.45 inch wide
        for (i, j), value in np.ndenumerate(shown):
            text = fmt.format(value) if value != 0 else ''
            ax.text(j, i, text, ha='center', va='center', fontsize=fontsize,
                    color='white' if value > 0.6 * top else 'black')
            texts.append(text)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    if osp.dirname(out):
        os.makedirs(osp.dirname(out), exist_ok=True)
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return texts


def main(argv=None):
    args = parse_args(argv)
    dataset = load_eval_dataset(args.config, args.cfg_options, args.split)
    classes = list(dataset.metainfo['classes'])
    num_classes = len(classes)
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    num_images = 0
    for sample in iter_samples(dataset, [args.pred_dir]):
        counts += confusion_matrix(sample['gt'], sample['preds'][0], num_classes,
                                   dataset.ignore_index)
        num_images += 1
    if num_images == 0:
        raise SystemExit(f'{args.pred_dir}: no prediction PNG matches an image of the '
                         f'{args.split} dataset of {args.config}')
    axis = {'true': 1, 'pred': 0}.get(args.normalize)
    shown = counts.astype(np.float64)
    if axis is not None:
        sums = shown.sum(axis=axis, keepdims=True)
        shown = np.divide(shown, sums, out=np.zeros_like(shown), where=sums > 0)
    plot_confusion(shown, classes, args.out,
                   f'confusion matrix ({num_images} images, normalize={args.normalize})',
                   dpi=args.dpi, values=not args.no_values,
                   fmt='{:.0f}' if axis is None else '{:.2f}')
    csv_path = osp.splitext(args.out)[0] + '.csv'
    with open(csv_path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['gt \\ pred'] + classes)
        for cls, row in zip(classes, counts):
            writer.writerow([cls] + row.tolist())
    print(f'{num_images} images; written {args.out} and {csv_path}')
    return counts


if __name__ == '__main__':
    main()
