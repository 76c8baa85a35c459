"""Safe checkpoint loading for mmengine 0.10.x on torch >= 2.6.

torch >= 2.6 unpickles with ``weights_only=True``, which refuses the few non-tensor types
mmengine stores in a resume checkpoint (``HistoryBuffer`` in the message hub, numpy arrays
and scalars inside it), so ``--resume`` fails. We allow-list exactly those types (numpy
through the vetted stand-ins of :mod:`seglab.compat.safe_numpy`) and keep safe loading on.
A checkpoint whose pickle needs anything else (for example one crafted to run code) is
refused with an explanation; a trusted legacy file can be opted in explicitly, file by file,
through ``SEGLAB_TRUSTED_CHECKPOINTS`` (``--trust-checkpoint`` in the tools).
"""
import io
import os
import os.path as osp
import pickle
import tarfile
from typing import Any, Callable, Dict, Iterator, List, Optional, Set

import numpy as np
import torch

from .safe_numpy import VETTED_DTYPES, numpy_safe_globals, plain_arrays

TRUST_ENV = 'SEGLAB_TRUSTED_CHECKPOINTS'


def _mmengine_statistics_methods() -> Dict[str, Callable]:
    """The statistics methods mmengine itself registers on HistoryBuffer (min/max/...).

    Collected into a private dict, so that neither methods registered later by other code
    nor names a loaded checkpoint wrote into ``HistoryBuffer._statistics_methods`` count.
    """
    from mmengine.logging import HistoryBuffer

    class Probe:
        _statistics_methods: Dict[str, Callable] = {}

    HistoryBuffer._set_default_statistics(Probe())
    return dict(Probe._statistics_methods)


MMENGINE_STATISTICS_METHODS = _mmengine_statistics_methods()
# What HistoryBuffer.__setstate__ leaves on an instance loaded from a checkpoint.
HISTORY_BUFFER_ATTRIBUTES = {'max_length', '_log_history', '_count_history'}


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to what ``HistoryBuffer.__getstate__`` pickles.

    A HistoryBuffer stores its statistics methods, which pickle as
    ``getattr(HistoryBuffer, 'min')``. The real ``getattr`` would be a code-execution gadget
    in an unpickler, so this stand-in resolves only the methods mmengine registers (captured
    at import, never taken from the class dict a loaded state can extend).
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and isinstance(name, str) and name in MMENGINE_STATISTICS_METHODS:
        return MMENGINE_STATISTICS_METHODS[name]
    raise pickle.UnpicklingError(
        f'Refusing getattr({obj!r}, {name!r}) while loading a checkpoint: only '
        f'HistoryBuffer statistics methods may be resolved by name.')


def mmengine_checkpoint_types() -> List[Any]:
    """The non-tensor globals mmengine 0.10 writes into its checkpoints (numpy: vetted)."""
    from mmengine.logging import HistoryBuffer
    return [HistoryBuffer, (history_buffer_getattr, 'builtins.getattr')] + numpy_safe_globals()


def allow_mmengine_checkpoint_types() -> bool:
    """Add mmengine's checkpoint types to torch's ``weights_only`` allow-list."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # torch < 2.4 loads unsafely by default anyway
        return False
    add_safe_globals(mmengine_checkpoint_types())
    return True


def trusted_checkpoints() -> List[str]:
    value = os.environ.get(TRUST_ENV, '')
    return [osp.realpath(p) for p in value.split(os.pathsep) if p]


def trust_checkpoint(path: str) -> None:
    """Opt one trusted legacy checkpoint out of safe loading (this process and children)."""
    paths = trusted_checkpoints() + [osp.realpath(path)]
    os.environ[TRUST_ENV] = os.pathsep.join(dict.fromkeys(paths))


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint needs arbitrary unpickling, which seglab refuses by default."""


def _refusal(filename: str, reason: str) -> UnsafeCheckpointError:
    return UnsafeCheckpointError(
        f'Refusing to load checkpoint {filename!r}: its pickle needs objects outside the '
        f'safe set (tensors, containers, numbers and the mmengine types seglab '
        f'allow-lists), so loading it could run arbitrary code on this machine.\n'
        f'If you made this file or trust its source, opt it in explicitly: pass '
        f'`--trust-checkpoint {filename}` to tools/train.py, tools/test.py or the model '
        f'converter, or set {TRUST_ENV}={filename}. Better, re-save it as a plain state '
        f'dict.\n{reason}')


def _unpickler_reason(message: str) -> str:
    """The unpickler's own line out of torch's long ``weights_only`` error message."""
    if 'WeightsUnpickler error:' in message:
        message = message.split('WeightsUnpickler error:', 1)[1]
    boilerplate = ('Weights only load failed', 'Check the documentation of torch.load')
    lines = [line.strip() for line in message.splitlines()
             if line.strip() and not line.strip().startswith(boilerplate)]
    reason = lines[0] if lines else message.strip()
    # torch goes on to suggest allow-listing the global, which is exactly the unsafe step.
    return reason.split(' Please use `torch.serialization.add_safe_globals', 1)[0]


def _memory_sharing_globals() -> Set[str]:
    """Globals torch allows by default that wrap a numpy array's buffer without copying.

    ``torch.save`` never writes them (tensors pickle through ``_rebuild_tensor_v2`` and
    storages; older releases used the first for XLA-like device tensors only); in a crafted
    file they are the first half of a use-after-free (see ``safe_numpy.BuildOnceArray``).
    ``torch.Tensor`` shares too, but legit files name it (tensors with attributes), so it
    is left to :class:`BuildOnceArray`.
    """
    names = {'torch._utils._rebuild_device_tensor_from_numpy'}
    names.update(f'{cls.__module__}.{cls.__name__}' for cls in torch._tensor_classes
                 if cls is not torch.Tensor)
    return names


MEMORY_SHARING_GLOBALS = _memory_sharing_globals()


def pickle_globals(filename: str) -> Set[str]:
    """The ``GLOBAL`` names in the pickle(s) ``torch.load`` would unpickle, read not run.

    Zip checkpoints: ``data.pkl``; legacy files: the five pickles ``torch.load`` reads.
    Raises :class:`UnsafeCheckpointError` for a pickle that cannot be scanned and for the
    pre-1.0 tar format (storages interleave pickles with raw bytes); errors opening the file
    or archive propagate as ``torch.load`` would raise them.
    """
    from torch.serialization import _is_zipfile, _open_zipfile_reader
    with open(filename, 'rb') as f:
        if _is_zipfile(f):
            with _open_zipfile_reader(f) as zip_file:  # resolves the archive's prefix
                return _scan(filename, io.BytesIO(zip_file.get_record('data.pkl')), 1)
        try:
            with tarfile.open(fileobj=f, mode='r:'):
                pass
        except tarfile.TarError:
            f.seek(0)
            # magic number, protocol, sys info, the object, storage keys
            return _scan(filename, f, 5)
    raise _refusal(filename, 'Refused: a tar-format (pre-1.0 torch) checkpoint cannot be '
                   'vetted before unpickling.')


def _scan(filename: str, pickles: Any, count: int) -> Set[str]:
    from torch._weights_only_unpickler import get_globals_in_pkl
    names = set()
    for _ in range(count):
        try:
            names |= get_globals_in_pkl(pickles)
        except EOFError:  # an empty or cut file: torch.load would raise the same
            raise
        except Exception as err:
            raise _refusal(filename, f'Refused: its pickle could not be scanned for the '
                           f'globals it names ({type(err).__name__}: {err}).') from err
    return names


def _refuse_memory_sharing_globals(filename: str) -> None:
    named = sorted(pickle_globals(filename) & MEMORY_SHARING_GLOBALS)
    if named:
        raise _refusal(filename, f'Refused: it names {", ".join(named)} (wrapping a numpy '
                       f'array\'s memory in a tensor); torch.save of CPU/CUDA tensors never '
                       f'writes that.')


def _history_buffers(obj: Any) -> Iterator[Any]:
    """Every HistoryBuffer inside containers of a loaded checkpoint (cycles allowed)."""
    from mmengine.logging import HistoryBuffer
    stack, seen = [obj], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif isinstance(item, HistoryBuffer):
            yield item


def _check_history_buffers(checkpoint: Any, filename: str) -> None:
    """Refuse HistoryBuffers whose state set attributes mmengine never pickles."""
    for buffer in _history_buffers(checkpoint):
        state = vars(buffer)
        unexpected = sorted(set(state) - HISTORY_BUFFER_ATTRIBUTES)
        arrays = [state.get(k) for k in ('_log_history', '_count_history')]
        arrays_ok = all(type(a) is np.ndarray for a in arrays)
        if unexpected or not arrays_ok or type(state.get('max_length')) is not int:
            raise _refusal(filename, f'A HistoryBuffer in it carries attributes '
                           f'{unexpected or sorted(state)}; one saved by mmengine loads with '
                           f'exactly {sorted(HISTORY_BUFFER_ATTRIBUTES)} (two numpy arrays '
                           f'and an int).')
        # REDUCE HistoryBuffer(...) runs __init__, whose np.array() makes object arrays.
        bad = [str(a.dtype) for a in arrays if not any(a.dtype == d for d in VETTED_DTYPES)]
        if bad:
            raise _refusal(filename, f'A HistoryBuffer in it holds arrays of dtype '
                           f'{", ".join(bad)}; mmengine saves plain numeric arrays only.')


def safe_torch_load(filename: str, map_location: Optional[Any] = None) -> Any:
    """``torch.load`` with ``weights_only=True`` unless the file was explicitly trusted.

    ``HistoryBuffer.__setstate__`` merges the loaded statistics methods into the class-wide
    ``HistoryBuffer._statistics_methods``; that dict is restored after a safe load (plus
    mmengine's own methods, which ``__setstate__`` registers), so a file cannot add or
    replace the methods every buffer of this process calls.
    """
    if osp.realpath(filename) in trusted_checkpoints():
        return torch.load(filename, map_location=map_location, weights_only=False)
    from mmengine.logging import HistoryBuffer
    statistics_methods = HistoryBuffer._statistics_methods
    before = dict(statistics_methods)
    # A file is read twice (scan, then load); a swap in between only meets BuildOnceArray.
    _refuse_memory_sharing_globals(filename)
    try:
        checkpoint = torch.load(filename, map_location=map_location, weights_only=True)
        checkpoint = plain_arrays(checkpoint)
    except pickle.UnpicklingError as err:
        raise _refusal(filename, f'Refused: {_unpickler_reason(str(err))}') from err
    finally:
        statistics_methods.clear()
        statistics_methods.update(before)
        # What __setstate__ itself registers: buffers built by unpickling never run __init__.
        for name, method in MMENGINE_STATISTICS_METHODS.items():
            statistics_methods.setdefault(name, method)
    _check_history_buffers(checkpoint, filename)
    return checkpoint


def safe_load_url(url: str,
                  model_dir: Optional[str] = None,
                  map_location: Optional[Any] = None,
                  progress: bool = True,
                  check_hash: bool = False,
                  file_name: Optional[str] = None) -> Any:
    """mmengine's ``load_url`` (download once to the torch hub cache), loading safely.

    mmengine's version calls ``torch.load`` without ``weights_only``, which follows
    ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` and older torch defaults; ``torchvision://``,
    ``open-mmlab://`` and ``http(s)://`` weights all come through here.
    """
    from urllib.parse import urlparse

    from torch.hub import HASH_REGEX, download_url_to_file, get_dir
    model_dir = model_dir or osp.join(get_dir(), 'checkpoints')
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name or osp.basename(urlparse(url).path)
    cached_file = osp.join(model_dir, filename)
    if not osp.exists(cached_file):
        match = HASH_REGEX.search(filename) if check_hash else None
        download_url_to_file(url, cached_file, match.group(1) if match else None,
                             progress=progress)
    return safe_torch_load(cached_file, map_location=map_location)


def register_safe_local_loader() -> Callable:
    """Route mmengine's local-file loading (load_from, resume, Pretrained) through us."""
    from mmengine.runner.checkpoint import CheckpointLoader

    @CheckpointLoader.register_scheme(prefixes='', force=True)
    def load_from_local(filename: str, map_location: Optional[Any] = None) -> Any:
        filename = osp.expanduser(filename)
        if not osp.isfile(filename):
            raise FileNotFoundError(f'{filename} can not be found.')
        return safe_torch_load(filename, map_location=map_location)

    # load_from_http / load_from_torchvision / load_from_openmmlab look it up at call time.
    from mmengine.runner import checkpoint
    checkpoint.load_url = safe_load_url
    return load_from_local
