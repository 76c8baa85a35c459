"""Save and restore the random state of the training process across resume."""
import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop

from mmseg.registry import HOOKS


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Make ``--resume`` continue the exact random stream of the interrupted run.

    mmengine restores weights, optimizer, schedulers and (for iteration-based loops) the data
    position, but not the random state of the main process, so dropout masks and any
    main-process randomness differ after a resume. This hook stores the python, numpy, torch
    (and CUDA) generator states in every checkpoint and restores them right before the first
    step after a resume, at the point matching where they were saved: for an epoch-based loop
    (saved at an epoch end) before the next epoch builds its data iterator, which draws from
    the torch generator; for an iteration-based loop before the next iteration, after mmengine
    has re-created the data iterator and replayed the batches already trained on (which, with
    ``num_workers=0``, draws augmentation randomness in this process).
    """

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._pending: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(
            python=random.getstate(),
            numpy=np.random.get_state(),
            torch=torch.get_rng_state(),
        )
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint['rng_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = checkpoint.get('rng_state')

    def before_train_epoch(self, runner) -> None:
        if isinstance(runner.train_loop, EpochBasedTrainLoop):
            self._restore()

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self._restore()

    def _restore(self) -> None:
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        random.setstate(_as_python_state(state['python']))
        np.random.set_state(state['numpy'])
        torch.set_rng_state(state['torch'].cpu())
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in state['cuda']])


def _as_python_state(state):
    # Safe unpickling may turn the inner tuple into a list; random.setstate needs tuples.
    version, internal, gauss = state
    return version, tuple(internal), gauss
