"""What ``tools/train.py`` and ``tools/test.py`` share: arguments and config preparation."""
import argparse
import logging
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from seglab.compat import trust_checkpoint


def add_common_args(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The arguments mmseg's tools share, plus seglab's ``--trust-checkpoint``."""
    parser.add_argument('--work-dir', help='the dir to save logs, checkpoints and metrics')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config as key=value pairs, e.g. '
        'train_dataloader.batch_size=2 model.decode_head.num_classes=8; a list is '
        'key="[a,b]"; no white space is allowed')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--trust-checkpoint',
        action='append',
        default=[],
        metavar='PATH',
        help='load this legacy checkpoint with full unpickling (it can run code: only for '
        'files you trust). By default checkpoints load with weights_only=True.')
    # torch.distributed launchers pass --local-rank (torch >= 2.0) or --local_rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser


def load_config(args: argparse.Namespace, checkpoint: Optional[str] = None) -> Config:
    """Read the config, apply CLI overrides and choose the work dir (mmseg's rules)."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'Config file {args.config!r} does not exist.')
    for path in args.trust_checkpoint:
        trust_checkpoint(path)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    # work_dir: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'Checkpoint {checkpoint!r} does not exist.')
        cfg.load_from = checkpoint
    return cfg


def enable_amp(cfg: Config) -> Config:
    """``--amp``: mmseg's behaviour on an accelerator; on CPU, say so and train in fp32.

    mmengine's ``AmpOptimWrapper`` refuses to build without CUDA/NPU/MLU/MUSA, so rather than
    crash a CPU run (tests, CI, laptops) we keep fp32 and log why.
    """
    optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if optim_wrapper == 'AmpOptimWrapper':
        print_log('AMP training is already enabled in your config.', logger='current',
                  level=logging.WARNING)
    elif optim_wrapper != 'OptimWrapper':
        raise ValueError(f'--amp needs optim_wrapper.type OptimWrapper, got {optim_wrapper!r}; '
                         f'set AMP in the config instead.')
    elif not torch.cuda.is_available():
        print_log('--amp ignored: mixed precision needs a GPU; training in fp32 on CPU.',
                  logger='current', level=logging.WARNING)
    else:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    return cfg
