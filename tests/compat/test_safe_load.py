"""A checkpoint whose pickle would run code is refused on every path seglab loads weights by."""
import argparse
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.model import BaseModule

import seglab  # noqa: F401
from seglab.compat import UnsafeCheckpointError, safe_torch_load, trust_checkpoint
from seglab.compat.safe_load import TRUST_ENV

from helpers import REPO, SMOKE_CONFIG



class CodeRunningPayload:
    """Unpickling this calls os.system (it would create ``marker``)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


class TinyNet(BaseModule):

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)


def tiny_net(init_cfg=None):
    return TinyNet(init_cfg)


@pytest.fixture
def evil(tmp_path):
    """(checkpoint path, marker path): real weights plus a code-running object in meta."""
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': tiny_net().state_dict(), 'meta': CodeRunningPayload(marker)},
               path)
    return str(path), marker


@pytest.fixture
def legacy(tmp_path):
    """A harmless legacy checkpoint that still needs full unpickling (argparse.Namespace)."""
    path = tmp_path / 'legacy.pth'
    torch.save({'state_dict': tiny_net().state_dict(),
                'meta': {'args': argparse.Namespace(lr=0.1)}}, path)
    return str(path)


@pytest.fixture(autouse=True)
def no_trusted_files(monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)


def assert_refused(excinfo, marker, path):
    message = str(excinfo.value)
    assert 'Refusing to load checkpoint' in message and path in message
    assert 'could run arbitrary code' in message
    assert '--trust-checkpoint' in message and TRUST_ENV in message  # how to opt in
    assert not marker.exists(), 'the payload ran'


def test_safe_torch_load_refuses_code(evil):
    path, marker = evil
    with pytest.raises(UnsafeCheckpointError) as excinfo:
        safe_torch_load(path)
    assert_refused(excinfo, marker, path)


def test_force_no_weights_only_env_does_not_bypass(evil, monkeypatch):
    path, marker = evil
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    with pytest.raises(UnsafeCheckpointError) as excinfo:
        safe_torch_load(path)
    assert_refused(excinfo, marker, path)


def test_mmengine_load_checkpoint_refuses_code(evil):
    from mmengine.runner import load_checkpoint
    path, marker = evil
    with pytest.raises(UnsafeCheckpointError) as excinfo:
        load_checkpoint(tiny_net(), path)
    assert_refused(excinfo, marker, path)


def test_pretrained_init_cfg_refuses_code(evil):
    path, marker = evil
    backbone = tiny_net(init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(UnsafeCheckpointError) as excinfo:
        backbone.init_weights()
    assert_refused(excinfo, marker, path)


@pytest.fixture
def fake_torchvision_zoo(monkeypatch, tmp_path, evil, legacy):
    """torchvision://evilnet and torchvision://goodnet served from local files."""
    from mmengine.runner import checkpoint
    good = tmp_path / 'good.pth'
    torch.save(tiny_net().state_dict(), good)
    monkeypatch.setattr(checkpoint, 'get_torchvision_models', lambda: {
        'evilnet': 'file://' + evil[0], 'goodnet': 'file://' + str(good)})
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    return good


def test_torchvision_scheme_loads_safely(fake_torchvision_zoo, evil):
    from mmengine.runner.checkpoint import CheckpointLoader
    state = CheckpointLoader.load_checkpoint('torchvision://goodnet')
    assert state.keys() == tiny_net().state_dict().keys()
    path, marker = evil
    with pytest.raises(UnsafeCheckpointError) as excinfo:
        CheckpointLoader.load_checkpoint('torchvision://evilnet')
    assert 'Refusing to load checkpoint' in str(excinfo.value)
    assert not marker.exists()


def _runner(tmp_path, **cfg_updates):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(SMOKE_CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.update(cfg_updates)
    return Runner.from_cfg(cfg)


def test_runner_load_from_and_resume_refuse_code(evil, tmp_path):
    path, marker = evil
    runner = _runner(tmp_path)
    with pytest.raises(UnsafeCheckpointError):
        runner.load_checkpoint(path)
    with pytest.raises(UnsafeCheckpointError):
        runner.resume(path)
    assert not marker.exists()


def test_trusted_legacy_file_is_opt_in(legacy):
    with pytest.raises(UnsafeCheckpointError):
        safe_torch_load(legacy)  # safe by default
    trust_checkpoint(legacy)
    assert os.environ[TRUST_ENV] == osp.realpath(legacy)
    loaded = safe_torch_load(legacy)
    assert loaded['meta']['args'].lr == 0.1
    assert set(loaded['state_dict']) == set(tiny_net().state_dict())


def test_tools_test_refuses_code_and_says_how_to_opt_in(evil, synthetic_voc_root, tmp_path):
    path, marker = evil
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop(TRUST_ENV, None)
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'test.py'), SMOKE_CONFIG, path,
         '--work-dir', str(tmp_path / 'work'), '--cfg-options',
         f'test_dataloader.dataset.data_root={synthetic_voc_root}'],
        env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert 'UnsafeCheckpointError' in proc.stderr and '--trust-checkpoint' in proc.stderr
    assert not marker.exists()


def test_cli_trust_flag_opts_in_only_that_file(legacy, tmp_path, monkeypatch):
    from seglab.utils.cli import add_common_args, load_config
    parser = add_common_args(argparse.ArgumentParser())
    parser.add_argument('config')
    args = parser.parse_args([SMOKE_CONFIG, '--trust-checkpoint', legacy])
    load_config(args)
    assert safe_torch_load(legacy)['meta']['args'].lr == 0.1
    other = tmp_path / 'other.pth'
    torch.save({'meta': argparse.Namespace()}, other)
    with pytest.raises(UnsafeCheckpointError):
        safe_torch_load(str(other))
