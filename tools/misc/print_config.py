"""Print the full config after inheritance and overrides (mmseg's print_config, plus options).

    python tools/misc/print_config.py CONFIG [--cfg-options k=v ...] [--data-root DIR]
        [--dump FILE] [--graph]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import seglab  # noqa: E402,F401
from mmengine.config import DictAction  # noqa: E402
from seglab.utils.cli import read_config  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings, key=value (as tools/train.py)')
    parser.add_argument('--data-root', help='the data root of every dataloader')
    parser.add_argument('--dump', metavar='FILE', help='also write the config to FILE')
    parser.add_argument('--graph', action='store_true', help='also print the model')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = read_config(args.config, args.cfg_options, args.data_root)
    print(f'Config:\n{cfg.pretty_text}')
    if args.dump:
        cfg.dump(args.dump)
        print(f'Config written to {args.dump}')
    if args.graph:
        from seglab.apis import init_model
        print(f'Model graph:\n{init_model(cfg, device="cpu")}')


if __name__ == '__main__':
    main()
