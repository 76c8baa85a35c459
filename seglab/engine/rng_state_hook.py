"""Save and restore the random state of the training process across resume."""
import random
from typing import Any, Callable, Iterator, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop, EpochBasedTrainLoop, IterBasedTrainLoop

from mmseg.registry import HOOKS


def _generator_owners(model: Optional[torch.nn.Module]) -> dict:
    """Submodules with their own random generator (``rng_state_dict``/``load_rng_state_dict``),
    by name in the unwrapped model (e.g. ``MCDropoutFCNHead``'s Monte-Carlo generator)."""
    if model is None:
        return {}
    if is_model_wrapper(model):
        model = model.module
    return {
        name: m
        for name, m in model.named_modules()
        if callable(getattr(m, 'rng_state_dict', None))
        and callable(getattr(m, 'load_rng_state_dict', None))
    }


def get_rng_state(model: Optional[torch.nn.Module] = None) -> dict:
    state = dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state(),
    )
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    modules = {name: m.rng_state_dict() for name, m in _generator_owners(model).items()}
    modules = {name: s for name, s in modules.items() if s is not None}
    if modules:
        state['modules'] = modules
    return state


def set_rng_state(state: dict, model: Optional[torch.nn.Module] = None) -> None:
    random.setstate(_as_python_state(state['python']))
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'].cpu())
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state['cuda']])
    saved = state.get('modules', {})
    for name, module in _generator_owners(model).items():
        if name in saved:
            module.load_rng_state_dict(saved[name])


class _RestoreAfterReplay:
    """Wraps a data iterator; runs ``callback`` once ``replayed`` items have been drawn.

    mmengine's IterBasedTrainLoop replays the batches already trained on right before the
    next training batch is drawn, with no hook in between; the random state must be restored
    exactly there (after the replay, before the next batch's augmentation).
    """

    def __init__(self, iterator: Iterator, replayed: int, callback: Callable[[], None]):
        self._iterator = iterator
        self._remaining = replayed
        self._callback: Optional[Callable[[], None]] = callback

    def __iter__(self):
        return self

    def __next__(self) -> Any:
        if self._remaining == 0 and self._callback is not None:
            callback, self._callback = self._callback, None
            callback()
        self._remaining -= 1
        return next(self._iterator)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._iterator, name)


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Make ``--resume`` continue the exact random stream of the interrupted run.

    mmengine restores weights, optimizer, schedulers and (for iteration-based loops) the data
    position, but not the random state of the main process, so augmentations drawn in the
    main process and dropout masks differ after a resume. This hook stores the python, numpy,
    torch (and CUDA) generator states in every checkpoint and restores them at the point that
    matches where they were saved:

    - epoch-based loop (saved at an epoch end): before the next epoch builds its data iterator;
    - iteration-based loop: after mmengine has re-created the data iterator and replayed the
      batches already trained on, right before the next batch is drawn (restoring in
      ``before_train_iter`` would be one batch late: the batch is drawn before that hook).

    Validation draws random numbers too (a DataLoader iterator takes a seed from the torch
    generator), and in the interrupted run it ran after the checkpoint was written; so the
    training random state is set aside before validation and put back after it. Runs with and
    without validation, or resumed, then see the same training stream.

    Worker processes (``num_workers > 0``) are seeded by mmengine's ``worker_init_fn`` from
    the seed, rank and worker id only; for iteration-based loops the replay then re-draws their
    streams exactly, for epoch-based loops with ``persistent_workers=False`` every epoch starts
    them afresh. Epoch-based loops with persistent workers cannot be resumed exactly (the
    workers' streams are not saved).

    Model parts with a generator of their own (``rng_state_dict()`` /
    ``load_rng_state_dict(state)``, e.g. the Monte-Carlo-dropout head of study 003) have its
    state saved and restored with the others, under ``rng_state['modules'][<module name>]``.

    In distributed runs every rank has its own stream (augmentations draw different amounts
    of randomness per sample), but mmengine calls ``before_save_checkpoint`` on rank 0 only.
    So after every iteration/epoch, before the checkpoint hook runs (priority ``LOW`` is
    ahead of the checkpoint hook's ``VERY_LOW``), the ranks gather their states, and the
    checkpoint keeps one per rank; each rank restores its own.
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self._pending: Optional[dict] = None
        self._before_val: Optional[dict] = None
        self._per_rank: Optional[list] = None
        self._model: Optional[torch.nn.Module] = None

    def _gather(self, runner) -> None:
        if get_world_size() > 1:
            self._per_rank = all_gather_object(get_rng_state(runner.model))

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._gather(runner)

    def after_train_epoch(self, runner) -> None:
        self._gather(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['rng_state'] = get_rng_state(runner.model)
        if self._per_rank is not None:
            checkpoint['rng_state_per_rank'] = self._per_rank

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._model = runner.model
        self._pending = checkpoint.get('rng_state')
        per_rank = checkpoint.get('rng_state_per_rank')
        if per_rank is not None and len(per_rank) == get_world_size():
            self._pending = per_rank[get_rank()]

    def before_train_epoch(self, runner) -> None:
        if self._pending is None:
            return
        loop = runner.train_loop
        if isinstance(loop, EpochBasedTrainLoop):
            self._restore()
        elif isinstance(loop, IterBasedTrainLoop) and hasattr(loop, 'dataloader_iterator'):
            loop.dataloader_iterator = _RestoreAfterReplay(loop.dataloader_iterator, loop.iter,
                                                           self._restore)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self._restore()  # other loop types: at least before the first step

    def before_val(self, runner) -> None:
        # Only inside training (runner._train_loop is a built loop); `runner.train_loop`
        # would build one as a side effect.
        if isinstance(getattr(runner, '_train_loop', None), BaseLoop):
            self._before_val = get_rng_state()

    def after_val(self, runner) -> None:
        if self._before_val is not None:
            state, self._before_val = self._before_val, None
            set_rng_state(state)

    def _restore(self) -> None:
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        set_rng_state(state, self._model)


def _as_python_state(state):
    # Safe unpickling may turn the inner tuple into a list; random.setstate needs tuples.
    version, internal, gauss = state
    return version, tuple(internal), gauss
