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
  and returns a :class:`BuildOnceArray`: its one ``BUILD`` state can only name a vetted
  dtype, and a second ``BUILD`` (the memo lets a pickle fetch the array again) is refused.
  :func:`plain_arrays` turns these back into plain ``np.ndarray`` copies after loading.
* ``numpy.ndarray`` resolves to an inert name token (only ``_reconstruct`` accepts it).
  torch checks ``type(obj)`` against the allow-list before applying a ``BUILD``, so
  :class:`BuildOnceArray` (not the real ``np.ndarray``) is listed, under a name containing a
  newline, which no ``GLOBAL`` opcode can spell (its module and name are newline-terminated
  lines), so a pickle can never call it.
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


# Until its BUILD, an array has this dtype, which torch refuses to wrap in a tensor.
_UNBUILT_DTYPE = np.dtype('V8')


class BuildOnceArray(np.ndarray):
    """The array ``_reconstruct`` hands a checkpoint's pickle: its ``BUILD`` runs once.

    ``ndarray.__setstate__`` frees the buffer and allocates a new one on every call, and
    several globals torch allows by default wrap an array's buffer in a tensor without
    copying (``torch._utils._rebuild_device_tensor_from_numpy``, ``torch.Tensor(array)``,
    ``torch.DoubleTensor(array)``, ...). A second ``BUILD`` on the same array (fetched from
    the memo) would leave such a tensor on freed memory, readable and (as optimizer state)
    writable. So the array is refused a second ``BUILD``, and until its first one it is an
    empty void array, which torch refuses to wrap: a tensor can only share a buffer that
    is never replaced.
    """

    def __setstate__(self, state: Any) -> None:
        # The token is set by safe_reconstruct only; views and built arrays lack it.
        if not self.__dict__.pop('_unbuilt', False):
            raise _refuse('a second BUILD of a numpy array (it would free memory that a '
                          'tensor may still use)')
        if not (isinstance(state, tuple) and len(state) == 5 and state[0] == 1
                and isinstance(state[1], tuple)
                and all(type(dim) is int and dim >= 0 for dim in state[1])
                and _is_vetted(state[2]) and type(state[3]) is bool
                and isinstance(state[4], bytes)):
            raise _refuse('a numpy array state other than (1, shape, numeric dtype, '
                          'fortran, bytes)')
        super().__setstate__(state)


def safe_reconstruct(subtype: Any, shape: Any, dtype_code: Any) -> BuildOnceArray:
    """``numpy.core.multiarray._reconstruct`` stand-in: numpy's own empty-array call only."""
    if subtype is not NDARRAY_NAME or shape != (0, ) or dtype_code not in (b'b', 'b'):
        raise _refuse(f'_reconstruct({subtype!r}, {shape!r}, {dtype_code!r})')
    array = BuildOnceArray((0, ), _UNBUILT_DTYPE)
    array._unbuilt = True
    return array


def plain_arrays(obj: Any) -> Any:
    """``obj`` with every :class:`BuildOnceArray` in it replaced by a plain ndarray copy.

    Dicts, lists and object attributes (HistoryBuffer) are updated in place, tuples rebuilt;
    shared objects stay shared. Raises RecursionError on absurdly deep nesting.
    """
    done = {}  # id -> (original, kept alive so that its id is not reused; replacement)

    def convert(item: Any) -> Any:
        if id(item) in done:
            return done[id(item)][1]
        if isinstance(item, BuildOnceArray):
            result = np.array(item)
            done[id(item)] = (item, result)
            return result
        done[id(item)] = (item, item)  # before descending: cycles through mutable containers
        if isinstance(item, dict):
            for key, value in item.items():
                item[key] = convert(value)
        elif isinstance(item, list):
            item[:] = [convert(value) for value in item]
        elif type(item) is tuple:
            converted = tuple(convert(value) for value in item)
            if any(new is not old for new, old in zip(converted, item)):
                done[id(item)] = (item, converted)
                item = converted
        elif not isinstance(item, (str, bytes, int, float, complex, np.generic, np.ndarray)):
            attributes = getattr(item, '__dict__', None)
            if isinstance(attributes, dict):
                convert(attributes)
        return item

    return convert(obj)


def numpy_safe_globals() -> List[Any]:
    """Entries for ``torch.serialization.add_safe_globals``."""
    multiarray = 'numpy.core.multiarray'
    entries = [
        (safe_dtype, 'numpy.dtype'),
        (safe_scalar, f'{multiarray}.scalar'),
        (safe_reconstruct, f'{multiarray}._reconstruct'),
        (NDARRAY_NAME, 'numpy.ndarray'),
        (BuildOnceArray, 'numpy.ndarray' + _BUILD_ONLY),
    ]
    # torch applies BUILD only to objects whose type is allow-listed: the dtype singletons'
    # classes (np.dtypes.Float64DType, ... on numpy >= 1.25, else np.dtype itself).
    for dtype_class in dict.fromkeys(type(d) for d in VETTED_DTYPES):
        entries.append((dtype_class, f'{dtype_class.__module__}.{dtype_class.__qualname__}'
                        + _BUILD_ONLY))
    return entries
