"""What ``tools/train.py`` and ``tools/test.py`` share: arguments and config preparation."""
import argparse
import logging
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from seglab.compat import trust_checkpoint
from seglab.utils.data_root import set_data_root


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
        '--data-root',
        metavar='DIR',
        help='the data root of every dataloader (train/val/test, inside dataset wrappers '
        'too), instead of one --cfg-options per loader')
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
    parser.add_argument(
        '--no-key-check',
        action='store_true',
        help='skip the start-up check for misspelt config keys and unexpected keywords '
        '(for a module that reads keys the check cannot see)')
    # torch.distributed launchers pass --local-rank (torch >= 2.0) or --local_rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser


def read_config(path: str,
                cfg_options: Optional[dict] = None,
                data_root: Optional[str] = None) -> Config:
    """Read a config file, then apply ``--cfg-options`` and ``--data-root``: what every tool
    does first."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'Config file {path!r} does not exist.')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if data_root:
        set_data_root(cfg, data_root)
    return cfg


def load_config(args: argparse.Namespace, checkpoint: Optional[str] = None) -> Config:
    """Read the config, apply CLI overrides and choose the work dir (mmseg's rules)."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    for path in args.trust_checkpoint:
        trust_checkpoint(path)
    cfg = read_config(args.config, args.cfg_options, getattr(args, 'data_root', None))
    cfg.launcher = args.launcher
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
    """``--amp``: mixed-precision training with seglab's ``CPUAwareAmpOptimWrapper``.

    mmseg's ``--amp`` selects mmengine's ``AmpOptimWrapper``, which refuses to build without
    CUDA/NPU/MLU/MUSA; seglab's subclass trains in bfloat16 on CPU (no loss scaler) and is
    mmengine's wrapper on an accelerator (float16 with a dynamic loss scaler; bfloat16 with
    ``--cfg-options optim_wrapper.dtype=bfloat16``). Validation and test then run under the
    same autocast (:func:`autocast_eval_loops`).
    """
    from seglab.engine import AMP_OPTIM_WRAPPERS
    optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if optim_wrapper in AMP_OPTIM_WRAPPERS:
        print_log('AMP training is already enabled in your config.', logger='current',
                  level=logging.WARNING)
    elif optim_wrapper != 'OptimWrapper':
        raise ValueError(f'--amp needs optim_wrapper.type OptimWrapper, got {optim_wrapper!r}; '
                         f'set AMP in the config instead.')
    else:
        cfg.optim_wrapper.type = 'CPUAwareAmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    return autocast_eval_loops(cfg)


def autocast_eval_loops(cfg: Config) -> Config:
    """An AMP run (``optim_wrapper.type`` AmpOptimWrapper) validates and tests under its
    autocast: mmengine's ``ValLoop``/``TestLoop`` become seglab's ``AmpValLoop``/
    ``AmpTestLoop`` (same arguments); any other loop type is left as configured."""
    from seglab.engine import AMP_OPTIM_WRAPPERS
    if cfg.get('optim_wrapper', {}).get('type') not in AMP_OPTIM_WRAPPERS:
        return cfg
    for key, plain, amp in (('val_cfg', 'ValLoop', 'AmpValLoop'),
                            ('test_cfg', 'TestLoop', 'AmpTestLoop')):
        loop = cfg.get(key)
        if isinstance(loop, dict) and loop.get('type', plain) == plain:
            loop['type'] = amp
    return cfg
