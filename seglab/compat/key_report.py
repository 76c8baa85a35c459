"""Explain a checkpoint/model key mismatch by model part wherever mmengine loads weights.

mmengine's ``load_state_dict`` (behind ``load_from``, ``resume``, ``load_checkpoint`` and
``init_cfg=dict(type='Pretrained')``) logs one flat comma-separated list of every missing and
unexpected key, which for a checkpoint of another model is hundreds of names on one line. We
wrap it to first state, grouped by part (backbone / decode_head / auxiliary_head / ...), how
many keys are missing, unexpected or of the wrong shape; with ``strict=True`` that summary is
the error. mmengine's own behaviour (what gets loaded) is unchanged, except where a caller
asks for more through :func:`key_check` (``tools/test.py``: every model weight must load;
``Pretrained``: most of the encoder must), whose checks run before anything is loaded.
"""
import contextlib
import functools
import logging
from collections import OrderedDict
from typing import Callable, Iterable, Iterator, List, NamedTuple, Optional, Sequence

from mmengine.logging import print_log
from torch import nn

_PATCHED_FLAG = '_seglab_key_report'
_CHECKS: List[Callable[['KeyMatch'], None]] = []


class IncompleteCheckpointError(RuntimeError):
    """A checkpoint leaves model weights unloaded where the caller requires all of them."""


class KeyMatch(NamedTuple):
    """How a state dict's keys meet a module's (``num_batches_tracked`` left out)."""
    module: nn.Module  # unwrapped from DDP / TTA wrappers
    model_keys: List[str]
    checkpoint_keys: List[str]
    missing: List[str]
    unexpected: List[str]
    shape_mismatch: List[str]  # 'key (checkpoint shape)->(model shape)'
    summary: Optional[str]  # describe_key_mismatch(...), None when everything matches

    @property
    def loaded(self) -> int:
        """How many of the module's weights the checkpoint provides (name and shape)."""
        return len(self.model_keys) - len(self.missing) - len(self.shape_mismatch)


def model_part(key: str) -> str:
    """The top-level part a state-dict key belongs to (``backbone``, ``decode_head``...)."""
    if key.startswith('module.'):
        key = key[len('module.'):]
    return key.split('.')[0]


def group_by_part(keys: Iterable[str]) -> 'OrderedDict[str, List[str]]':
    groups: 'OrderedDict[str, List[str]]' = OrderedDict()
    for key in keys:
        groups.setdefault(model_part(key), []).append(key)
    return groups


def describe_key_mismatch(model_keys: Sequence[str],
                          checkpoint_keys: Sequence[str],
                          shape_mismatch: Sequence[str] = (),
                          examples: int = 3) -> Optional[str]:
    """A readable summary of how a checkpoint's keys differ from a model's, by model part.

    Returns None when every key matches.
    """
    model_set, ckpt_set = set(model_keys), set(checkpoint_keys)
    missing = [k for k in model_keys if k not in ckpt_set]
    unexpected = [k for k in checkpoint_keys if k not in model_set]
    if not missing and not unexpected and not shape_mismatch:
        return None
    lines = []
    if model_set and not (model_set & ckpt_set):
        lines.append(f'None of the checkpoint\'s {len(ckpt_set)} keys match the model\'s '
                     f'{len(model_set)}: this checkpoint is probably for another model (or '
                     f'its keys carry a prefix such as "module." or "backbone.").')
    for title, keys in (('missing in the checkpoint (left as initialised)', missing),
                        ('unexpected (in the checkpoint, not in the model)', unexpected),
                        ('shape mismatch (not loaded)', list(shape_mismatch))):
        if not keys:
            continue
        lines.append(f'{len(keys)} keys {title}:')
        for part, part_keys in group_by_part(keys).items():
            shown = ', '.join(part_keys[:examples])
            more = f', ... (+{len(part_keys) - examples})' if len(part_keys) > examples else ''
            lines.append(f'  {part}: {len(part_keys)} ({shown}{more})')
    return '\n'.join(lines)


@contextlib.contextmanager
def key_check(check: Callable[[KeyMatch], None]) -> Iterator[None]:
    """Call ``check(match)`` before every ``load_state_dict`` inside the block.

    ``check`` raises to stop the load; it sees every load (``load_from``, ``Pretrained``
    of each submodule), so it should look at ``match.module`` first.
    """
    _CHECKS.append(check)
    try:
        yield
    finally:
        _CHECKS.remove(check)


def unwrap(module: nn.Module) -> nn.Module:
    """The model inside DDP / TTA wrappers, as mmengine's ``load_state_dict`` loads it."""
    from mmengine.model import BaseTTAModel, is_model_wrapper
    while is_model_wrapper(module) or isinstance(module, BaseTTAModel):
        module = module.module
    return module


@contextlib.contextmanager
def require_complete_checkpoint(model: nn.Module, filename: str,
                                opt_out: str) -> Iterator[None]:
    """Inside the block, loading ``filename`` into ``model`` must set every model weight.

    Missing keys and shape mismatches raise :class:`IncompleteCheckpointError` naming the
    file, the model parts and ``opt_out`` (how to allow a partial load); unexpected keys stay
    the usual warning.
    """
    target = unwrap(model)

    def check(match: KeyMatch) -> None:
        if match.module is not target or not (match.missing or match.shape_mismatch):
            return
        raise IncompleteCheckpointError(
            f'Checkpoint {filename!r} does not hold all weights of the model in this config '
            f'({type(target).__name__}): {match.loaded} of {len(match.model_keys)} load; the '
            f'other {len(match.model_keys) - match.loaded} would be evaluated as initialised.'
            f'\n{match.summary}\n'
            f'Use the config the checkpoint was trained with, or a checkpoint of this model '
            f'(a model of another width, num_classes or encoder, or an encoder or classifier '
            f'state dict, does not fit). To evaluate a partial checkpoint on purpose, '
            f'{opt_out}.')

    with key_check(check):
        yield


def _report(module, state_dict, strict, logger) -> None:
    from mmengine.dist import get_rank
    module = unwrap(module)
    own = module.state_dict()
    model_keys = [k for k in own if not k.endswith('num_batches_tracked')]
    ckpt_keys = [k for k in state_dict if not k.endswith('num_batches_tracked')]
    shape_mismatch = [
        f'{k} {tuple(state_dict[k].shape)}->{tuple(own[k].shape)}' for k in ckpt_keys
        if k in own and hasattr(state_dict[k], 'shape') and state_dict[k].shape != own[k].shape
    ]
    summary = describe_key_mismatch(model_keys, ckpt_keys, shape_mismatch)
    ckpt_set, model_set = set(ckpt_keys), set(model_keys)
    match = KeyMatch(module, model_keys, ckpt_keys, [k for k in model_keys if k not in ckpt_set],
                     [k for k in ckpt_keys if k not in model_set], shape_mismatch, summary)
    for check in list(_CHECKS):
        check(match)
    if summary is None:
        return
    message = (f'The checkpoint does not match {type(module).__name__} exactly.\n{summary}')
    if strict:
        raise RuntimeError(message)
    if get_rank() == 0:
        print_log(message, logger=logger or 'current', level=logging.WARNING)


def patch_load_state_dict() -> None:
    """Wrap ``mmengine.runner.checkpoint.load_state_dict`` with the grouped report."""
    from mmengine.runner import checkpoint
    original = checkpoint.load_state_dict
    if getattr(original, _PATCHED_FLAG, False):
        return

    @functools.wraps(original)
    def load_state_dict(module, state_dict, strict=False, logger=None):
        _report(module, state_dict, strict, logger)
        return original(module, state_dict, strict=strict, logger=logger)

    setattr(load_state_dict, _PATCHED_FLAG, True)
    checkpoint.load_state_dict = load_state_dict
