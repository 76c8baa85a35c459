"""Confusion matrix (PNG + CSV counts) from prediction PNGs saved by ``tools/test.py --out DIR``
and the ground truth of the config's dataset.

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

from seglab.evaluation.predictions import (confusion_matrix, iter_samples,  # noqa: E402
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
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='config overrides, e.g. test_dataloader.dataset.data_root=DIR')
    return parser.parse_args(argv)


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
    size = max(4.0, 0.45 * num_classes + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    image = ax.imshow(shown, cmap='Blues')
    ax.set_xticks(range(num_classes), classes, rotation=90)
    ax.set_yticks(range(num_classes), classes)
    ax.set(xlabel='prediction', ylabel='ground truth',
           title=f'confusion matrix ({num_images} images, normalize={args.normalize})')
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
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
