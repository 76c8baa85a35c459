"""AmpValLoop / AmpTestLoop name their own config field when the dtype cannot run."""
import re

import pytest
import torch
from mmengine.evaluator import Evaluator
from torch.utils.data import DataLoader

import seglab  # noqa: F401
from seglab.engine import AmpTestLoop, AmpValLoop


@pytest.mark.parametrize('loop_type, field', [(AmpValLoop, 'val_cfg'), (AmpTestLoop, 'test_cfg')])
def test_float16_on_cpu_names_the_loop_config(loop_type, field, monkeypatch):
    monkeypatch.setattr('seglab.engine.amp_loops.get_device', lambda: 'cpu')
    loop = loop_type(object(), DataLoader([0]), Evaluator([]), dtype='float16')
    assert loop.amp_dtype == torch.float16 and loop.fp16 is False
    message = f'{field}.dtype=torch.float16: CPU autocast runs in bfloat16 only.'
    with pytest.raises(ValueError, match=f'^{re.escape(message)}$'):
        loop.run()


@pytest.mark.parametrize('loop_type, field', [(AmpValLoop, 'val_cfg'), (AmpTestLoop, 'test_cfg')])
def test_unknown_dtype_names_the_loop_config(loop_type, field):
    with pytest.raises(ValueError, match=f'^{re.escape(field)}\\.dtype: dtype must be one of'):
        loop_type(object(), DataLoader([0]), Evaluator([]), dtype='float8')
