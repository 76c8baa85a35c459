"""Vetted stand-ins for the numpy globals a resume checkpoint needs under ``weights_only``.

mmengine's message hub pickles numpy scalars (``scalar(dtype('f8'), b'...')``) and arrays
(``_reconstruct(ndarray, (0,), b'b')`` then a ``BUILD`` with ``(version, shape, dtype,
fortran, bytes)``). Allow-listing the real ``np.dtype``, ``np.ndarray``, ``scalar`` and
``_reconstruct`` lets a crafted file corrupt memory with nothing else: a dtype's pickled
state can set the object/reference flags, after which ``scalar(dtype, 8 bytes)`` makes numpy
treat the bytes as a ``PyObject*``; ``np.ndarray((1,), 'O', bytes)`` does the same directly.
The stand-ins below build only plain numeric data:

* ``numpy.dtype`` returns numpy's *builtin* dtype singletons for bool/int/uint/float/complex.
  numpy ignores ``__setstate__`` on those (it returns early for builtin descriptors), so the
  ``BUILD`` that follows can change nothing (flags, fields, byte order). The price: numpy
  values of a checkpoint written on a big-endian machine would be read in native order.
* ``numpy.core.multiarray.scalar`` accepts only those singletons and bytes of their size.
* ``numpy.core.multiarray._reconstruct`` accepts exactly numpy's own ``(ndarray, (0,), b'b')``
  and returns an empty plain array; its ``BUILD`` state can only name a vetted dtype.
* ``numpy.ndarray`` resolves to an inert name token (only ``_reconstruct`` accepts it). The
  real class must still be in the allow-list, because torch checks ``type(obj)`` there before
  applying a ``BUILD``; it is registered under a name containing a newline, which no
  ``GLOBAL`` opcode can spell (its module and name are newline-terminated lines), so a pickle
  can never call it.
"""
import pickle
import re
from typing import Any, List, Tuple

import numpy as np

# What numpy writes as the dtype argument of its reduce tuple: kind + item size, no byte order.
NUMERIC_DTYPE_SPEC = re.compile(r'(b1|i[1248]|u[1248]|f[248]|c(8|16))')
_BUILD_ONLY = '\n(build only: not reachable by a GLOBAL opcode)'


def _vetted_dtypes() -> Tuple[np.dtype, ...]:
    return tuple(np.dtype(kind + size) for kind, sizes in
                 (('b', '1'), ('i', '1248'), ('u', '1248'), ('f', '248'), ('c', ('8', '16')))
                 for size in sizes)


VETTED_DTYPES = _vetted_dtypes()


def _refuse(what: str) -> pickle.UnpicklingError:
    return pickle.UnpicklingError(
        f'Refusing {what} while loading a checkpoint: only plain numeric numpy data (bool, '
        f'int, uint, float, complex) may be rebuilt.')


def _is_vetted(dtype: Any) -> bool:
    return any(dtype is vetted for vetted in VETTED_DTYPES)


def safe_dtype(spec: Any, align: Any = False, copy: Any = True) -> np.dtype:
    """``numpy.dtype`` stand-in: a builtin numeric dtype singleton (immune to ``BUILD``)."""
    if not isinstance(spec, str) or not NUMERIC_DTYPE_SPEC.fullmatch(spec):
        raise _refuse(f'numpy dtype {spec!r}')
    dtype = np.dtype(spec)
    if not _is_vetted(dtype):  # numpy returned a fresh (state-settable) descriptor
        raise _refuse(f'numpy dtype {spec!r}')
    return dtype


def safe_scalar(dtype: Any, data: Any = None) -> np.generic:
    """``numpy.core.multiarray.scalar`` stand-in for numeric dtypes and exact-size bytes."""
    if not _is_vetted(dtype):
        raise _refuse(f'a numpy scalar of dtype {dtype!r}')
    if not isinstance(data, bytes) or len(data) != dtype.itemsize:
        raise _refuse(f'a numpy {dtype} scalar from {type(data).__name__} data')
    return np.core.multiarray.scalar(dtype, data)


class _GlobalName:
    """An inert token standing for a global that must not be callable from a pickle."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args, **kwargs):
        raise pickle.UnpicklingError(f'Refusing to call {self.name} while loading a checkpoint.')

    def __repr__(self) -> str:
        return f'<{self.name} (name only)>'


NDARRAY_NAME = _GlobalName('numpy.ndarray')


def safe_reconstruct(subtype: Any, shape: Any, dtype_code: Any) -> np.ndarray:
    """``numpy.core.multiarray._reconstruct`` stand-in: numpy's own empty-array call only."""
    if subtype is not NDARRAY_NAME or shape != (0, ) or dtype_code not in (b'b', 'b'):
        raise _refuse(f'_reconstruct({subtype!r}, {shape!r}, {dtype_code!r})')
    return np.core.multiarray._reconstruct(np.ndarray, (0, ), b'b')


def numpy_safe_globals() -> List[Any]:
    """Entries for ``torch.serialization.add_safe_globals``."""
    multiarray = 'numpy.core.multiarray'
    entries = [
        (safe_dtype, 'numpy.dtype'),
        (safe_scalar, f'{multiarray}.scalar'),
        (safe_reconstruct, f'{multiarray}._reconstruct'),
        (NDARRAY_NAME, 'numpy.ndarray'),
        (np.ndarray, 'numpy.ndarray' + _BUILD_ONLY),
    ]
    # torch applies BUILD only to objects whose type is allow-listed: the dtype singletons'
    # classes (np.dtypes.Float64DType, ... on numpy >= 1.25, else np.dtype itself).
    for dtype_class in dict.fromkeys(type(d) for d in VETTED_DTYPES):
        entries.append((dtype_class, f'{dtype_class.__module__}.{dtype_class.__qualname__}'
                        + _BUILD_ONLY))
    return entries
