"""Files built only from allow-listed globals that used to corrupt memory or poison mmengine
state are refused; legit mmengine resume content (numpy scalars/arrays, HistoryBuffer) loads.

The memory-corruption files are loaded in a child process, so that a regression crashes the
child (SIGSEGV) and fails the test instead of killing pytest.
"""
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import seglab  # noqa: F401
from seglab.compat import UnsafeCheckpointError, safe_torch_load
from seglab.compat.safe_load import TRUST_ENV

# NPY_ITEM_REFCOUNT | NPY_NEEDS_INIT | NPY_NEEDS_PYAPI | NPY_USE_GETITEM, without
# NPY_LIST_PICKLE: scalar() then copies the raw bytes into an "object" field.
OBJECT_FLAGS = 0x01 | 0x08 | 0x10 | 0x20


class Reduce:
    """Pickles as ``func(*args)`` (+ ``BUILD state``), i.e. exactly the opcodes we want."""

    def __init__(self, func, args, state=None):
        self.func, self.args, self.state = func, args, state

    def __reduce__(self):
        if self.state is None:
            return self.func, self.args
        return self.func, self.args, self.state


def object_flag_dtype(spec='V8'):
    """``np.dtype('V8')`` whose pickled state sets the object/reference flags."""
    return Reduce(np.dtype, (spec, False, True), (3, '|', None, None, None, 8, 1, OBJECT_FLAGS))


CRAFTED = {
    # The reported file: an object-flagged dtype, then scalar(dtype, 8 attacker bytes).
    'flagged_dtype_scalar': Reduce(np.core.multiarray.scalar,
                                   (object_flag_dtype(), b'AAAAAAAA')),
    # An array whose dtype state adds an object field over raw bytes.
    'object_field_array': Reduce(
        np.core.multiarray._reconstruct, (np.ndarray, (0, ), b'b'),
        (1, (1, ), Reduce(np.dtype, ('V8', False, True),
                          (3, '|', None, ('a', ), {'a': (np.dtype('O'), 0)}, 8, 1, 27)),
         False, b'AAAAAAAA')),
    # np.ndarray itself, called with an object dtype over a bytes buffer.
    'ndarray_over_bytes': Reduce(np.ndarray, ((1, ), 'O', b'AAAAAAAA')),
    # An object dtype straight from its pickled spec.
    'object_dtype': Reduce(np.dtype, ('O8', False, True)),
}

# The same flags through the state of a float64 dtype (copy=True makes a settable copy): the
# stand-in hands out numpy's builtin float64 instead, which ignores the state: a plain float.
NEUTRALISED = Reduce(np.core.multiarray.scalar, (Reduce(
    np.dtype, ('f8', False, True), (3, '<', None, None, None, -1, -1, OBJECT_FLAGS)),
    b'AAAAAAAA'))

CHILD = textwrap.dedent('''
    import sys
    import seglab
    from mmengine.model import BaseModule
    from mmengine.runner import load_checkpoint
    from mmengine.runner.checkpoint import CheckpointLoader
    from seglab.compat import UnsafeCheckpointError, safe_torch_load
    import torch

    class Net(BaseModule):
        def __init__(self, init_cfg=None):
            super().__init__(init_cfg=init_cfg)
            self.conv = torch.nn.Conv2d(1, 1, 1)

    def pretrained(path):
        Net(init_cfg=dict(type='Pretrained', checkpoint=path)).init_weights()

    paths = {
        'safe_torch_load': safe_torch_load,
        'CheckpointLoader': CheckpointLoader.load_checkpoint,  # Runner.load_checkpoint, test.py
        'load_checkpoint': lambda path: load_checkpoint(Net(), path),  # load_from
        'Pretrained': pretrained,
    }
    for path in sys.argv[1:]:
        for name, load in paths.items():
            try:
                value = load(path)
            except UnsafeCheckpointError as err:
                print('REFUSED', name, path, '|', str(err).splitlines()[-1], flush=True)
            else:
                print('LOADED', name, path, repr(value)[:200], flush=True)
''')


@pytest.fixture(autouse=True)
def no_trusted_files(monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)


def test_crafted_numpy_files_are_refused_in_every_loading_path(tmp_path):
    files = {}
    for name, payload in {**CRAFTED, 'neutralised': NEUTRALISED}.items():
        files[name] = str(tmp_path / f'{name}.pth')
        torch.save({'state_dict': {'conv.weight': torch.zeros(1, 1, 1, 1)},
                    'meta': {'value': payload}}, files[name])
    script = tmp_path / 'child.py'
    script.write_text(CHILD)
    proc = subprocess.run([sys.executable, str(script), *files.values()],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert proc.returncode == 0, f'child died ({proc.returncode}): {proc.stdout[-2000:]}' \
                                 f'{proc.stderr[-2000:]}'
    lines = [line for line in proc.stdout.splitlines() if line.startswith(('REFUSED', 'LOADED'))]
    assert len(lines) == 4 * len(files), proc.stdout
    as_float = repr(np.frombuffer(b'AAAAAAAA', dtype='<f8')[0])
    for name, path in files.items():
        for line in lines:
            if f' {path} ' not in line:
                continue
            if name == 'neutralised':
                assert line.startswith('LOADED') and 'Refused:' not in line, line
                assert "'value': " + as_float in line or line.endswith(' None'), line
            else:
                assert line.startswith('REFUSED') and 'Refused:' in line, line
    reasons = ' '.join(lines)
    assert "Refusing numpy dtype 'V8'" in reasons and "Refusing numpy dtype 'O8'" in reasons
    assert 'Refusing to call numpy.ndarray' in reasons


def test_refusal_names_the_file_and_the_opt_in(tmp_path):
    # object_dtype is refused by the stand-in before any object dtype exists: safe in-process.
    path = str(tmp_path / 'object_dtype.pth')
    torch.save({'meta': CRAFTED['object_dtype']}, path)
    with pytest.raises(UnsafeCheckpointError) as excinfo:
        safe_torch_load(path)
    message = str(excinfo.value)
    assert f'Refusing to load checkpoint {path!r}' in message
    assert f'--trust-checkpoint {path}' in message and TRUST_ENV in message
    assert message.splitlines()[-1] == (
        "Refused: Refusing numpy dtype 'O8' while loading a checkpoint: only plain numeric "
        'numpy data (bool, int, uint, float, complex) may be rebuilt.')


def test_mmengine_resume_content_loads_exactly(tmp_path):
    """What a real resume checkpoint holds: HistoryBuffers of float64/int64 arrays, numpy
    scalars of every numeric kind, arrays, numpy's RNG state."""
    hub = MessageHub('legit_numpy_content')
    for i in range(3):
        hub.update_scalar('train/loss', 0.5 + i)
        hub.update_scalar('val/mIoU', np.float64(40.25 + i))
    info = {'per_class': np.array([0.1, 0.2], dtype=np.float32), 'seen': np.array([True]),
            'count': np.int64(7), 'small': np.uint8(3), 'half': np.float16(1.5),
            'complex': np.complex128(1 + 2j), 'flag': np.bool_(True),
            'int_matrix': np.arange(6, dtype=np.int32).reshape(2, 3),
            'numpy_rng': np.random.RandomState(0).get_state()}
    for key, value in info.items():
        hub.update_info(key, value)
    checkpoint = {'meta': {'iter': 2, 'epoch': 0}, 'message_hub': hub.state_dict(),
                  'state_dict': {'w': torch.arange(3.)}}
    path = str(tmp_path / 'legit.pth')
    torch.save(checkpoint, path)
    loaded = safe_torch_load(path)
    assert pickle.dumps(loaded['message_hub']) == pickle.dumps(checkpoint['message_hub'])
    restored = MessageHub('legit_numpy_content_restored')
    restored.load_state_dict(loaded['message_hub'])
    assert restored.get_scalar('train/loss').mean() == 1.5
    assert restored.get_scalar('val/mIoU').current() == 42.25
    for key, value in info.items():
        got = restored.get_info(key)
        assert type(got) is type(value) and pickle.dumps(got) == pickle.dumps(value), key


def _poisoned_buffer_file(tmp_path, monkeypatch, extra_methods, then=None):
    """A HistoryBuffer pickled while the class dict held ``extra_methods`` (+ ``then``)."""
    buffer = HistoryBuffer([1.0, 2.0], [1, 1])
    with monkeypatch.context() as patch:
        for name, method in extra_methods.items():
            patch.setitem(HistoryBuffer._statistics_methods, name, method)
        path = str(tmp_path / 'poisoned.pth')
        torch.save({'message_hub': {'log_scalars': {'train/loss': buffer}}, 'then': then},
                   path)
    return path


def test_loaded_state_cannot_extend_the_getattr_stand_in(tmp_path, monkeypatch):
    """The state adds '__init__' to the class-wide dict, then asks getattr for it."""
    HistoryBuffer()  # registers mmengine's defaults, as any training run has
    before = dict(HistoryBuffer._statistics_methods)
    path = _poisoned_buffer_file(tmp_path, monkeypatch, {'__init__': HistoryBuffer.min},
                                 then=HistoryBuffer.__init__)
    assert HistoryBuffer._statistics_methods == before  # the writer left no trace
    with pytest.raises(UnsafeCheckpointError,
                       match=r"Refusing getattr\(.*HistoryBuffer.*'__init__'\)"):
        safe_torch_load(path)
    assert HistoryBuffer._statistics_methods == before


def test_loaded_state_cannot_replace_statistics_methods(tmp_path, monkeypatch):
    """A state mapping 'mean' to HistoryBuffer.max (both resolvable) loads, but the class
    dict every buffer of the process uses is left as it was."""
    HistoryBuffer()
    before = dict(HistoryBuffer._statistics_methods)
    path = _poisoned_buffer_file(tmp_path, monkeypatch, {'mean': HistoryBuffer.max,
                                                         'extra': HistoryBuffer.min})
    loaded = safe_torch_load(path)
    assert HistoryBuffer._statistics_methods == before
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert buffer.statistics('mean') == 1.5 and HistoryBuffer([4.0], [1]).mean() == 4.0


def test_buffers_loaded_first_in_a_process_have_the_statistics_methods(tmp_path,
                                                                      monkeypatch):
    """A fresh process (a second rank) has not registered anything before it loads: the
    buffers it unpickles must still find mmengine's methods (they never run __init__)."""
    path = str(tmp_path / 'buffer.pth')
    torch.save({'log_scalars': {'loss': HistoryBuffer([1.0, 3.0], [1, 1])}}, path)
    monkeypatch.setattr(HistoryBuffer, '_statistics_methods', {})
    buffer = safe_torch_load(path)['log_scalars']['loss']
    assert buffer.statistics('mean') == 2.0 and buffer.statistics('current') == 3.0
    assert set(HistoryBuffer._statistics_methods) == {'min', 'max', 'current', 'mean'}


def test_loaded_state_cannot_set_other_buffer_attributes(tmp_path):
    buffer = HistoryBuffer([1.0], [1])
    # An instance attribute shadowing a method, as a crafted state could set it.
    buffer.__dict__['mean'] = HistoryBuffer.max
    path = str(tmp_path / 'shadowing.pth')
    torch.save({'message_hub': {'log_scalars': {'x': buffer}}}, path)
    with pytest.raises(UnsafeCheckpointError, match=r"carries attributes \['mean'\]"):
        safe_torch_load(path)
