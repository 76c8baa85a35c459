"""Distributed training on CPU (gloo) through mmengine's launchers.

mmengine 0.10's ``init_dist`` calls ``torch.cuda.set_device`` for the pytorch and slurm
launchers and its DDP wrapper passes ``device_ids=[LOCAL_RANK]``; both fail without a GPU.
mmengine skips ``init_dist`` when a process group already exists, so on a machine without
CUDA we start a gloo group ourselves and let DDP run on CPU (``device_ids=None``).
"""
import os
import subprocess

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def _slurm_env_to_torch_env() -> None:
    """Export RANK/WORLD_SIZE/LOCAL_RANK/MASTER_ADDR from Slurm's variables (as mmengine)."""
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        node_list = os.environ['SLURM_NODELIST']
        first = subprocess.getoutput(f'scontrol show hostname {node_list} | head -n1')
        os.environ['MASTER_ADDR'] = first


def setup_cpu_distributed(cfg: Config) -> bool:
    """Start a gloo process group when launched distributed on a machine without CUDA.

    Returns:
        bool: True when this function initialised the group.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher in ('none', 'mpi') or torch.cuda.is_available():
        return False
    if torch_dist.is_available() and torch_dist.is_initialized():
        return False
    if launcher == 'slurm':
        _slurm_env_to_torch_env()
    torch_dist.init_process_group(backend='gloo')
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel', device_ids=None,
                                     broadcast_buffers=False)
    return True
