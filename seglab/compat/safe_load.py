"""Safe checkpoint loading for mmengine 0.10.x on torch >= 2.6.

torch >= 2.6 unpickles with ``weights_only=True``, which refuses the few non-tensor types
mmengine stores in a resume checkpoint (``HistoryBuffer`` in the message hub, numpy arrays
and scalars inside it), so ``--resume`` fails. We allow-list exactly those types and keep
safe loading on. A checkpoint whose pickle needs anything else (for example one crafted to
run code) is refused with an explanation; a trusted legacy file can be opted in explicitly,
file by file, through ``SEGLAB_TRUSTED_CHECKPOINTS`` (``--trust-checkpoint`` in the tools).
"""
import os
import os.path as osp
import pickle
from typing import Any, Callable, List, Optional

import numpy as np
import torch

TRUST_ENV = 'SEGLAB_TRUSTED_CHECKPOINTS'


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to what ``HistoryBuffer.__getstate__`` pickles.

    A HistoryBuffer stores its statistics methods, which pickle as
    ``getattr(HistoryBuffer, 'min')``. The real ``getattr`` would be a code-execution gadget
    in an unpickler, so this stand-in resolves only the methods HistoryBuffer registered.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in HistoryBuffer._statistics_methods:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'Refusing getattr({obj!r}, {name!r}) while loading a checkpoint: only '
        f'HistoryBuffer statistics methods may be resolved by name.')


def mmengine_checkpoint_types() -> List[Any]:
    """The non-tensor globals mmengine 0.10 writes into its checkpoints."""
    from mmengine.logging import HistoryBuffer
    HistoryBuffer()  # registers the default statistics methods on the class
    multiarray = np.core.multiarray
    types = [
        HistoryBuffer,
        (history_buffer_getattr, 'builtins.getattr'),
        np.ndarray,
        np.dtype,
        multiarray._reconstruct,
        multiarray.scalar,
    ]
    # numpy >= 1.25 pickles dtypes as instances of per-type classes (np.dtypes.Float64DType).
    dtypes_module = getattr(np, 'dtypes', None)
    if dtypes_module is not None:
        types += [
            getattr(dtypes_module, name) for name in dir(dtypes_module)
            if name.endswith('DType')
        ]
    return types


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


def safe_torch_load(filename: str, map_location: Optional[Any] = None) -> Any:
    """``torch.load`` with ``weights_only=True`` unless the file was explicitly trusted."""
    if osp.realpath(filename) in trusted_checkpoints():
        return torch.load(filename, map_location=map_location, weights_only=False)
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise UnsafeCheckpointError(
            f'Refusing to load checkpoint {filename!r}: its pickle needs objects outside the '
            f'safe set (tensors, containers, numbers and the mmengine types seglab '
            f'allow-lists), so loading it could run arbitrary code on this machine.\n'
            f'If you made this file or trust its source, opt it in explicitly: pass '
            f'`--trust-checkpoint {filename}` to tools/train.py or tools/test.py, or set '
            f'{TRUST_ENV}={filename}. Better, re-save it as a plain state dict.\n'
            f'torch said: {str(err).splitlines()[0]}') from err


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
