"""A numpy array rebuilt from a checkpoint is built once: a crafted pickle cannot rebuild
it (freeing its buffer) after a tensor has wrapped that buffer, which would leave the tensor
on freed memory. Files naming the sharing globals are refused before unpickling.

The crafted files are loaded in a child process: a regression reads or writes freed memory
and may crash; the child reports what it loaded instead of killing pytest.
"""
import io
import os
import struct
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import seglab  # noqa: F401
from seglab.compat import UnsafeCheckpointError, safe_torch_load
from seglab.compat.safe_load import TRUST_ENV, pickle_globals


def _global(module, name):
    return b'c' + module.encode() + b'\n' + name.encode() + b'\n'


def _str(text):
    data = text.encode()
    return b'X' + struct.pack('<I', len(data)) + data


def _bytes(data):
    return _global('_codecs', 'encode') + b'(' + _str(data.decode('latin1')) + \
        _str('latin1') + b'tR'


def _array_state(n, fill, spec='f8'):
    dtype = _global('numpy', 'dtype') + b'(' + _str(spec) + b'\x89\x88tR'
    data = np.full(n, fill, dtype=spec).tobytes()
    return b'(K\x01(M' + struct.pack('<H', n) + b't' + dtype + b'\x89' + _bytes(data) + b't'


def _wrap(module, name, args):
    """``module.name(memo[0], *args)``: a tensor over the array's buffer."""
    return _global(module, name) + b'(h\x00' + args + b'tR'


GADGETS = {
    'rebuild_from_numpy': (('torch._utils', '_rebuild_device_tensor_from_numpy'),
                           _global('torch', 'float64') + _str('cpu') + b'\x89', 'f8'),
    'double_tensor': (('torch', 'DoubleTensor'), b'', 'f8'),
    'tensor': (('torch', 'Tensor'), b'', 'f4'),
}


def use_after_free_file(path, gadget, build_first=True):
    """The reported sequence: ``a = _reconstruct(ndarray, (0,), b'b')`` (memoised), BUILD
    32 KiB, ``t = gadget(a)``, fetch ``a`` from the memo, BUILD 8 bytes: ``t`` dangles."""
    (module, name), args, spec = GADGETS[gadget]
    size = 4096 if spec == 'f8' else 8192
    p = b'\x80\x02(' + _global('numpy.core.multiarray', '_reconstruct') + b'(' + \
        _global('numpy', 'ndarray') + b'K\x00\x85' + _bytes(b'b') + b'tRq\x00'
    if build_first:
        p += _array_state(size, 7.0, spec) + b'b'
    p += _wrap(module, name, args)
    p += b'h\x00' + _array_state(1, 0.0, spec) + b'bt.'
    buffer = io.BytesIO()
    torch.save({}, buffer)
    template = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(path, 'w') as out:
        for info in template.infolist():
            out.writestr(info.filename, p if info.filename.endswith('data.pkl')
                         else template.read(info))
    return str(path)


CHILD = textwrap.dedent('''
    import sys
    import numpy as np
    import seglab
    from seglab.compat import safe_load
    if sys.argv[1] == 'no-scan':  # the second line of defence on its own
        safe_load.MEMORY_SHARING_GLOBALS = set()
    for path in sys.argv[2:]:
        try:
            value = safe_load.safe_torch_load(path)
        except Exception as err:
            print('REFUSED', path, type(err).__name__, '|', str(err).splitlines()[-1],
                  flush=True)
        else:
            junk = [np.full(4096, 3.0) for _ in range(20)]
            print('LOADED', path, value[1][:2].tolist(), flush=True)
''')


@pytest.fixture(autouse=True)
def no_trusted_files(monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)


def _load_in_child(tmp_path, mode, paths):
    script = tmp_path / 'child.py'
    script.write_text(CHILD)
    proc = subprocess.run([sys.executable, str(script), mode, *paths], capture_output=True,
                          text=True, timeout=300, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert proc.returncode == 0, f'child died ({proc.returncode}): {proc.stdout[-2000:]}' \
                                 f'{proc.stderr[-2000:]}'
    lines = [line for line in proc.stdout.splitlines() if line.startswith(('REFUSED', 'LOADED'))]
    assert len(lines) == len(paths), proc.stdout + proc.stderr
    return dict(zip(paths, lines))


def test_files_naming_a_buffer_sharing_global_are_refused_before_unpickling(tmp_path):
    paths = [use_after_free_file(tmp_path / f'{g}.pth', g)
             for g in ('rebuild_from_numpy', 'double_tensor')]
    results = _load_in_child(tmp_path, 'scan', paths)
    for path, global_name in zip(paths, ('torch._utils._rebuild_device_tensor_from_numpy',
                                         'torch.DoubleTensor')):
        assert results[path].endswith(
            f'| Refused: it names {global_name} (wrapping a numpy array\'s memory in a '
            f'tensor); torch.save of CPU/CUDA tensors never writes that.'), results[path]
    with pytest.raises(UnsafeCheckpointError) as excinfo:  # refused before any unpickling
        safe_torch_load(paths[0])
    message = str(excinfo.value)
    assert f'Refusing to load checkpoint {paths[0]!r}' in message
    assert f'--trust-checkpoint {paths[0]}' in message


def test_an_array_is_refused_a_second_build(tmp_path):
    """Without the scan (and for torch.Tensor, which legit files name) the array itself
    refuses the second BUILD that would free the tensor's buffer."""
    paths = [use_after_free_file(tmp_path / f'{g}.pth', g) for g in GADGETS]
    for mode in ('no-scan', 'scan'):
        results = _load_in_child(tmp_path, mode, paths)
        for path in paths:
            if mode == 'scan' and not path.endswith('/tensor.pth'):
                continue  # refused by the scan (previous test)
            assert results[path].startswith(f'REFUSED {path} UnsafeCheckpointError'), \
                results[path]
            assert results[path].endswith(
                '| Refused: Refusing a second BUILD of a numpy array (it would free memory '
                'that a tensor may still use) while loading a checkpoint: only plain numeric '
                'numpy data (bool, int, uint, float, complex) may be rebuilt.'), results[path]


def test_an_array_cannot_be_wrapped_before_its_build(tmp_path):
    """Until its BUILD the array is an empty void array, which torch refuses to wrap."""
    paths = [use_after_free_file(tmp_path / f'{g}.pth', g, build_first=False)
             for g in GADGETS]
    for path, line in _load_in_child(tmp_path, 'no-scan', paths).items():
        assert line.startswith(f'REFUSED {path} TypeError'), line
        assert 'numpy.void' in line, line


def test_loaded_arrays_are_plain_and_round_trip(tmp_path):
    hub = MessageHub('build_once_round_trip')
    for i in range(3):
        hub.update_scalar('train/loss', 0.5 + i)
    shared = np.arange(4.)
    hub.update_info('pair', (shared, [shared, {'x': np.int32(2)}]))
    hub.update_info('rng', np.random.RandomState(0).get_state())
    path = str(tmp_path / 'hub.pth')
    torch.save({'message_hub': hub.state_dict()}, path)
    loaded = safe_torch_load(path)['message_hub']
    buffer = loaded['log_scalars']['train/loss']
    assert type(buffer._log_history) is np.ndarray and type(buffer._count_history) is np.ndarray
    assert buffer.mean() == 1.5
    pair = loaded['runtime_info']['pair']
    assert type(pair) is tuple and type(pair[0]) is np.ndarray and pair[1][0] is pair[0]
    assert type(loaded['runtime_info']['rng'][1]) is np.ndarray
    # Saved again, the file names plain numpy globals only (no seglab class).
    again = str(tmp_path / 'again.pth')
    torch.save({'message_hub': loaded}, again)
    assert not any('seglab' in name for name in pickle_globals(again))
    assert np.array_equal(safe_torch_load(again)['message_hub']['runtime_info']['pair'][0],
                          shared)


def test_history_buffer_with_object_arrays_is_refused(tmp_path):
    """``REDUCE HistoryBuffer([{}, {}], [1, 1])`` runs __init__: object-dtype arrays."""

    class Reduce:
        def __reduce__(self):
            return HistoryBuffer, ([{}, {}], [1, 1])

    path = str(tmp_path / 'object_buffer.pth')
    torch.save({'message_hub': {'log_scalars': {'loss': Reduce()}}}, path)
    with pytest.raises(UnsafeCheckpointError) as excinfo:
        safe_torch_load(path)
    assert str(excinfo.value).splitlines()[-1] == (
        'A HistoryBuffer in it holds arrays of dtype object; mmengine saves plain numeric '
        'arrays only.')


def test_legacy_format_files_are_scanned_too(tmp_path):
    path = str(tmp_path / 'legacy.pth')
    torch.save({'w': torch.ones(2), 'n': np.float64(1)}, path,
               _use_new_zipfile_serialization=False)
    assert 'torch._utils._rebuild_tensor_v2' in pickle_globals(path)
    assert torch.equal(safe_torch_load(path)['w'], torch.ones(2))
