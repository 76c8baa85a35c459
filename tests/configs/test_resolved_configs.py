"""Every shipped config resolves to the dict recorded in ``tests/configs/resolved_configs.json``.

The configs are thin diffs of their siblings; restructuring them (moving a block into a base
file, inheriting a sibling instead of a base) must not change what any experiment runs. A
difference fails here with the first differing keys; an intended change is made by
regenerating the snapshot (``python tests/configs/resolved_snapshot.py``) in the same commit.
"""
import json
import os.path as osp
import sys

import pytest

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from resolved_snapshot import REPO, SNAPSHOT, config_paths, resolve  # noqa: E402


def _load_snapshot():
    snapshot = {}
    with open(SNAPSHOT) as f:
        for line in f:
            snapshot.update(json.loads(line))
    return snapshot


RECORDED = _load_snapshot()


def _differences(old, new, prefix=''):
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            path = f'{prefix}.{key}' if prefix else key
            if key not in new:
                out.append(f'{path}: removed (was {old[key]!r})')
            elif key not in old:
                out.append(f'{path}: added ({new[key]!r})')
            else:
                out.extend(_differences(old[key], new[key], path))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (o, n) in enumerate(zip(old, new))
                for d in _differences(o, n, f'{prefix}[{i}]')]
    return [] if old == new else [f'{prefix}: {old!r} -> {new!r}']


def test_every_config_is_recorded():
    assert sorted(RECORDED) == config_paths(), (
        'configs added or removed: regenerate the snapshot with '
        '`python tests/configs/resolved_snapshot.py`')


@pytest.mark.parametrize('path', sorted(RECORDED))
def test_config_resolves_as_recorded(path):
    if not osp.isfile(osp.join(REPO, path)):
        pytest.fail(f'{path} is in the snapshot but not in configs/')
    diffs = _differences(RECORDED[path], resolve(path))
    assert not diffs, f'{path} resolves differently:\n  ' + '\n  '.join(diffs[:20])


def test_differences_names_the_changed_key():
    old = {'model': {'decode_head': {'loss_decode': [{'type': 'CE'}]}}, 'a': 1}
    new = {'model': {'decode_head': {'loss_decode': [{'type': 'Dice'}]}}, 'b': 1}
    assert _differences(old, new) == [
        'a: removed (was 1)', 'b: added (1)',
        "model.decode_head.loss_decode[0].type: 'CE' -> 'Dice'"]
