"""Train a segmentor (mmseg's tools/train.py, with seglab registered and safe loading)."""
import argparse
import os.path as osp
import sys

# Running `python tools/train.py` from a source checkout must find this checkout's seglab.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import seglab  # noqa: E402,F401  (compat layer + registration, before mmseg.models)
from mmengine.runner import Runner  # noqa: E402
from mmseg.registry import RUNNERS  # noqa: E402
from seglab.utils.dist import distributed_session  # noqa: E402
from seglab.utils.cli import add_common_args, enable_amp, load_config  # noqa: E402
from seglab.utils.config_checks import explain_build_errors  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        default=None,
        metavar='CHECKPOINT',
        help='resume from the latest checkpoint in the work dir, or from CHECKPOINT')
    parser.add_argument('--amp', action='store_true', help='enable mixed-precision training')
    return add_common_args(parser).parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    if args.amp:
        enable_amp(cfg)
    if args.resume == 'auto':
        cfg.resume = True
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    # An unknown `type` anywhere (model now, dataloaders/hooks lazily) names the closest ones.
    with distributed_session(cfg), explain_build_errors():
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
        runner.train()


if __name__ == '__main__':
    main()
