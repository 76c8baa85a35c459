"""Train a segmentor (mmseg's tools/train.py, with seglab registered and safe loading)."""
import argparse
import os.path as osp
import sys

# Running `python tools/train.py` from a source checkout must find this checkout's seglab.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import seglab  # noqa: E402,F401  (compat layer + registration, before mmseg.models)
from mmseg.registry import RUNNERS  # noqa: E402
from seglab.engine import SafeResumeRunner  # noqa: E402
from seglab.utils.dist import distributed_session  # noqa: E402
from seglab.utils.cli import (add_common_args, autocast_eval_loops, enable_amp,  # noqa: E402
                              load_config)
from seglab.utils.config_checks import explain_build_errors  # noqa: E402
from seglab.utils.data_root import check_data_roots  # noqa: E402
from seglab.utils.config_keys import check_config_keys  # noqa: E402
from seglab.utils.split_lists import check_split_lists  # noqa: E402


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
    parser.add_argument('--amp', action='store_true',
                        help='mixed-precision training: bfloat16 autocast on CPU, float16 with '
                        'a loss scaler on CUDA (validation under the same autocast)')
    return add_common_args(parser).parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    if not args.no_key_check:
        check_config_keys(cfg)  # misspelt keys, named before anything is built
    if args.amp:
        enable_amp(cfg)
    autocast_eval_loops(cfg)  # an AMP config validates under its autocast
    if args.resume == 'auto':
        cfg.resume = True
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    loaders = ['train_dataloader', 'val_dataloader'] if cfg.get('val_cfg') else ['train_dataloader']
    check_data_roots(cfg, loaders)
    check_split_lists(cfg, loaders)
    # An unknown `type` anywhere (model now, dataloaders/hooks lazily) names the closest ones.
    with distributed_session(cfg), explain_build_errors():
        # SafeResumeRunner: --resume never executes the checkpoint's stored config text and
        # falls back past a deleted, truncated or refused newest checkpoint.
        runner = (SafeResumeRunner.from_cfg(cfg) if 'runner_type' not in cfg
                  else RUNNERS.build(cfg))
        runner.train()


if __name__ == '__main__':
    main()
