"""Find NaN/Inf tensors in a model or checkpoint state and describe them by model part."""
from typing import Any, List, Mapping, Tuple

import torch

from seglab.compat.key_report import group_by_part


def scan_non_finite(state: Any, prefix: str = '') -> Tuple[List[str], int]:
    """The keys of the floating-point tensors holding a NaN/Inf, and how many were checked.

    Walks nested mappings and sequences (a ``state_dict``, an optimizer state), so a key of
    a nested tensor reads ``state.3.momentum_buffer``. Integer tensors (``num_batches_tracked``)
    cannot be non-finite and are not counted.

    Args:
        state (Any): A tensor or a (nested) mapping / sequence of them.
        prefix (str): Prepended to every key. Default: ''.
    """
    if isinstance(state, torch.Tensor):
        if not (state.is_floating_point() or state.is_complex()):
            return [], 0
        finite = bool(torch.isfinite(state.detach()).all())
        return ([] if finite else [prefix.rstrip('.')]), 1
    if isinstance(state, Mapping):
        items = state.items()
    elif isinstance(state, (list, tuple)):
        items = enumerate(state)
    else:
        return [], 0
    bad: List[str] = []
    total = 0
    for key, value in items:
        value_bad, value_total = scan_non_finite(value, f'{prefix}{key}.')
        bad += value_bad
        total += value_total
    return bad, total


def describe_non_finite(bad: List[str], total: int, examples: int = 3) -> str:
    """A summary by model part.

    For example ``'17 of 60 tensors hold NaN/Inf: backbone: 9 (a, b, c, ... (+6));
    decode_head: 8 (...)'``.
    """
    parts = []
    for part, keys in group_by_part(bad).items():
        shown = ', '.join(keys[:examples])
        more = f', ... (+{len(keys) - examples})' if len(keys) > examples else ''
        parts.append(f'{part}: {len(keys)} ({shown}{more})')
    return f'{len(bad)} of {total} tensors hold NaN/Inf: ' + '; '.join(parts)
