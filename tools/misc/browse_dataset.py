"""Paint a dataset's ground truth on its images, as its pipeline delivers them.

    python tools/misc/browse_dataset.py CONFIG --output-dir DIR [--split val] [--max-images N]
        [--data-root DIR] [--cfg-options k=v ...]

mmseg's ``tools/analysis_tools/browse_dataset.py`` with seglab registered, a split choice and
``--data-root``; mmseg's own script fails in its labelled drawing here (it hands OpenCV a
non-contiguous image view), so this one passes a contiguous copy. Without ``--output-dir``
each image is shown in a window.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import seglab  # noqa: E402,F401  (compat layer + registration)
import numpy as np  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmseg.registry import DATASETS, VISUALIZERS  # noqa: E402

from seglab.utils.cli import read_config  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Browse a dataset')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--split', choices=['train', 'val', 'test'], default='train',
                        help='which dataloader\'s dataset (and pipeline) to browse')
    parser.add_argument('--output-dir', help='save the painted images here instead of showing')
    parser.add_argument('--max-images', type=int, default=None, help='stop after N images')
    parser.add_argument('--show-interval', type=float, default=2, help='seconds per image')
    parser.add_argument('--opacity', type=float, default=0.5, help='opacity of the labels')
    parser.add_argument('--data-root', help='the data root of every dataloader')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings, key=value (as tools/train.py)')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = read_config(args.config, args.cfg_options, args.data_root)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(cfg[f'{args.split}_dataloader'].dataset)
    visualizer = VISUALIZERS.build(cfg.visualizer)
    visualizer.dataset_meta = dataset.metainfo
    visualizer.alpha = args.opacity
    count = len(dataset) if args.max_images is None else min(args.max_images, len(dataset))
    for index in range(count):
        item = dataset[index]
        image = np.ascontiguousarray(item['inputs'].permute(1, 2, 0).numpy()[..., ::-1])
        sample = item['data_samples'].numpy()
        name = osp.basename(sample.img_path)
        visualizer.add_datasample(
            name, image, sample, draw_gt=True, draw_pred=False, wait_time=args.show_interval,
            out_file=osp.join(args.output_dir, name) if args.output_dir else None,
            show=args.output_dir is None)
    print(f'{count} image(s) of the {args.split} split painted'
          + (f' into {args.output_dir}' if args.output_dir else ''))


if __name__ == '__main__':
    main()
