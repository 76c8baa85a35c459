"""Class pixel frequencies of a config's dataset, and the loss weights derived from them.

Writes JSON with `classes`, `frequency`, `pixel_counts`, `num_images`, `log_weights`
(study 000), `median_frequency_weights` (SegNet) and `inverse_frequency_weights`, which
`LogFrequencyCELoss(class_frequency=PATH)` and class-weighted losses read.

Example:
    python tools/analysis_tools/class_frequency.py configs/_base_/datasets/voc8.py \
        --out configs/_base_/class_frequency/voc8_train.json
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import seglab  # noqa: E402,F401
from mmengine.config import DictAction  # noqa: E402
from seglab.datasets.class_frequency import dataset_class_frequency  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a config with <split>_dataloader')
    parser.add_argument('--split', default='train', choices=['train', 'val', 'test'])
    parser.add_argument('--num-images', type=int, help='a random subset of N images')
    parser.add_argument('--seed', type=int, default=0, help='seed of the subset')
    parser.add_argument('--out', help='JSON file to write')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. train_dataloader.dataset.'
                        'data_root=DIR')
    return parser.parse_args()


def main():
    args = parse_args()
    stats = dataset_class_frequency(args.config, args.split, args.num_images, args.seed,
                                    args.cfg_options)
    print(f"{stats['num_images']} images of the {args.split} split")
    print(f"{'class':<16}{'frequency':>10}{'log w':>9}{'median w':>10}{'inv w':>9}")
    for i, name in enumerate(stats['classes']):
        print(f"{name:<16}{stats['frequency'][i]:>10.4f}{stats['log_weights'][i]:>9.3f}"
              f"{stats['median_frequency_weights'][i]:>10.3f}"
              f"{stats['inverse_frequency_weights'][i]:>9.3f}")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(stats, f, indent=1)
        print(f'written: {args.out}')


if __name__ == '__main__':
    main()
