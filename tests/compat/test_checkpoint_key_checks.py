"""Weights that would silently stay untrained: ``tools/test.py`` needs every model weight from
its checkpoint, ``init_cfg=Pretrained`` must set most of its module, and an unreachable
pretrained URI says how to use a local file (no network is touched here)."""
import glob
import os.path as osp
import sys
import urllib.error

import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModule
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from torch import nn

import seglab  # noqa: F401
from mmseg.registry import MODELS
from seglab.compat.key_report import IncompleteCheckpointError, require_complete_checkpoint
from seglab.engine import PretrainedWeightsError

from helpers import REPO, SMOKE_CONFIG, load_tool

W16_CONFIG = osp.join(REPO, 'configs', 'quickstart', 'unet-w16_1xb8-600it_synthvoc-128x128.py')
OPT_OUT = 'pass --allow-partial-checkpoint'


def _build(config):
    init_default_scope('mmseg')
    return MODELS.build(Config.fromfile(config).model)


def _save(state_dict, path):
    torch.save({'state_dict': state_dict}, path)
    return str(path)


# ------------------------------------------------------------ tools/test.py: all weights
def _run_test_tool(monkeypatch, config, checkpoint, voc_root, work_dir, *extra):
    tool = load_tool('tools/test.py', 'seglab_test_tool')
    roots = [f'{loader}.dataset.data_root={voc_root}'
             for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    monkeypatch.setattr(sys, 'argv', ['test.py', config, checkpoint, '--work-dir', str(work_dir),
                                      *extra, '--cfg-options', *roots])
    tool.main()


def test_test_tool_refuses_a_checkpoint_of_another_width(synthetic_voc_root, tmp_path,
                                                         monkeypatch):
    checkpoint = _save(_build(W16_CONFIG).state_dict(), tmp_path / 'unet_w16.pth')
    with pytest.raises(IncompleteCheckpointError) as excinfo:
        _run_test_tool(monkeypatch, SMOKE_CONFIG, checkpoint, synthetic_voc_root,
                       tmp_path / 'refused')
    message = str(excinfo.value)
    assert message.startswith(f'Checkpoint {checkpoint!r} does not hold all weights of the '
                              f'model in this config')
    assert 'would be evaluated as initialised' in message and OPT_OUT in message
    assert 'shape mismatch (not loaded)' in message
    assert 'backbone: ' in message and 'decode_head: ' in message


def test_test_tool_evaluates_a_partial_checkpoint_when_allowed(synthetic_voc_root, tmp_path,
                                                               monkeypatch):
    checkpoint = _save(_build(W16_CONFIG).state_dict(), tmp_path / 'unet_w16.pth')
    _run_test_tool(monkeypatch, SMOKE_CONFIG, checkpoint, synthetic_voc_root, tmp_path,
                   '--allow-partial-checkpoint')
    assert glob.glob(str(tmp_path / '*' / '*.json')), 'the evaluation ran and wrote metrics'


def test_classifier_state_dict_is_refused_naming_the_parts(tmp_path):
    model = _build(SMOKE_CONFIG)
    classifier = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Flatten(),
                               nn.Linear(8, 10))
    path = _save(classifier.state_dict(), tmp_path / 'classifier.pth')
    with require_complete_checkpoint(model, path, OPT_OUT):
        with pytest.raises(IncompleteCheckpointError) as excinfo:
            load_checkpoint(model, path)
    message = str(excinfo.value)
    assert f'({type(model).__name__}): 0 of ' in message
    assert "None of the checkpoint's 8 keys match" in message
    assert 'keys missing in the checkpoint' in message and 'backbone: ' in message


def test_unexpected_keys_only_stay_a_warning(tmp_path, monkeypatch):
    from seglab.compat import key_report
    model = _build(SMOKE_CONFIG)
    state = dict(model.state_dict())
    state['auxiliary_head.conv_seg.weight'] = torch.zeros(21, 8, 1, 1)
    path = _save(state, tmp_path / 'extra.pth')
    logged = []
    monkeypatch.setattr(key_report, 'print_log', lambda msg, **kw: logged.append(msg))
    fresh = _build(SMOKE_CONFIG)
    with require_complete_checkpoint(fresh, path, OPT_OUT):
        load_checkpoint(fresh, path)
    assert len(logged) == 1 and 'unexpected' in logged[0]
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_tta_model_is_compared_without_its_wrapper(tmp_path):
    """mmengine loads into ``SegTTAModel.module``; the key check must look there too."""
    model = _build(SMOKE_CONFIG)
    path = _save(model.state_dict(), tmp_path / 'model.pth')
    tta = MODELS.build(dict(type='SegTTAModel', module=Config.fromfile(SMOKE_CONFIG).model))
    with require_complete_checkpoint(tta, path, OPT_OUT):
        load_checkpoint(tta, path)  # complete: no error
    for key, value in tta.module.state_dict().items():
        assert torch.equal(value, model.state_dict()[key]), key


# --------------------------------------------------------- Pretrained: most weights, or stop
@MODELS.register_module(force=True)
class TinyEncoderForTest(BaseModule):
    """Two conv+BN stages: 12 state keys besides num_batches_tracked."""

    def __init__(self, width=4, init_cfg=None):
        super().__init__(init_cfg)
        self.conv1, self.bn1 = nn.Conv2d(3, width, 3), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = nn.Conv2d(width, width, 3), nn.BatchNorm2d(width)


def _tiny(checkpoint, **init_args):
    init_default_scope('mmseg')
    return MODELS.build(dict(type='TinyEncoderForTest', init_cfg=dict(
        type='Pretrained', checkpoint=checkpoint, **init_args)))


def _source_weights():
    torch.manual_seed(1)
    source = TinyEncoderForTest()
    for module in (source.bn1, source.bn2):
        module.running_mean.uniform_(-1, 1)
    return source.state_dict()


def test_matching_pretrained_file_loads(tmp_path):
    state = _source_weights()
    path = _save({**state, 'fc.weight': torch.zeros(10, 4)}, tmp_path / 'encoder.pth')
    encoder = _tiny(path)
    encoder.init_weights()
    for key, value in encoder.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_pretrained_file_loading_almost_nothing_stops(tmp_path):
    state = _source_weights()
    path = _save({'conv1.weight': state['conv1.weight'], 'head.weight': torch.zeros(2)},
                 tmp_path / 'other.pth')
    encoder = _tiny(path)
    before = encoder.conv1.weight.detach().clone()
    with pytest.raises(PretrainedWeightsError) as excinfo:
        encoder.init_weights()
    message = str(excinfo.value)
    assert message.startswith(f"Pretrained weights '{path}' set 1 of the 12 weights of "
                              f'TinyEncoderForTest (fewer than min_loaded_fraction=0.5)')
    assert '11 keys missing in the checkpoint' in message
    assert 'tools/model_converters/' in message and 'min_loaded_fraction' in message
    assert torch.equal(encoder.conv1.weight, before), 'stopped before loading anything'
    # The opt-out loads the one tensor.
    encoder = _tiny(path, min_loaded_fraction=0)
    encoder.init_weights()
    assert torch.equal(encoder.conv1.weight, state['conv1.weight'])


def test_pretrained_weights_of_another_shape_do_not_count(tmp_path):
    torch.manual_seed(2)
    path = _save(TinyEncoderForTest(width=6).state_dict(), tmp_path / 'wide.pth')
    with pytest.raises(PretrainedWeightsError, match=r'set 0 of the 12 weights'):
        _tiny(path).init_weights()


def test_pretrained_keys_under_a_prefix_get_the_prefix_hint(tmp_path):
    state = _source_weights()
    path = _save({f'backbone.{k}': v for k, v in state.items()}, tmp_path / 'segmentor.pth')
    with pytest.raises(PretrainedWeightsError,
                       match=r"carry the prefix 'backbone\.': set init_cfg=dict\(type="
                       r"'Pretrained', checkpoint=\.\.\., prefix='backbone\.'\)"):
        _tiny(path).init_weights()
    encoder = _tiny(path, prefix='backbone.')
    encoder.init_weights()
    assert torch.equal(encoder.bn2.running_mean, state['bn2.running_mean'])


def _mmseg_mobilenet_v2(checkpoint):
    init_default_scope('mmseg')
    return MODELS.build(dict(type='MobileNetV2', out_indices=(0, 1, 2, 4, 6),
                             init_cfg=dict(type='Pretrained', checkpoint=checkpoint)))


def _assert_names_the_converter(message, path):
    converter = osp.join(REPO, 'tools', 'model_converters', 'mobilenet_v2_to_mmseg.py')
    assert message.startswith(f"Pretrained weights '{path}' set 0 of the 255 weights of "
                              f'MobileNetV2')
    assert f'python {converter} {path} ' in message


def test_unconverted_torchvision_mobilenet_v2_names_the_converter(tmp_path):
    torchvision = pytest.importorskip('torchvision')
    path = _save(torchvision.models.mobilenet_v2().state_dict(), tmp_path / 'mnv2_tv.pth')
    with pytest.raises(PretrainedWeightsError) as excinfo:
        _mmseg_mobilenet_v2(path).init_weights()
    _assert_names_the_converter(str(excinfo.value), path)


def test_unconverted_imagenet_mobilenet_v2_of_shared_names_the_converter(shared_dir):
    path = osp.join(shared_dir, 'weights', 'mobilenet_v2_imagenet.pt')
    if not osp.isfile(path):
        pytest.skip(f'{path} not found')
    with pytest.raises(PretrainedWeightsError) as excinfo:
        _mmseg_mobilenet_v2(path).init_weights()
    _assert_names_the_converter(str(excinfo.value), path)


def test_training_with_a_foreign_pretrained_file_stops(synthetic_voc_root, tmp_path):
    from mmengine.runner import Runner
    path = _save(_source_weights(), tmp_path / 'tiny_encoder.pth')
    cfg = Config.fromfile(SMOKE_CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = synthetic_voc_root
    cfg.work_dir = str(tmp_path / 'run')
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=path)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(PretrainedWeightsError, match=r"Pretrained weights '.*tiny_encoder\.pth' "
                       r'set 0 of the \d+ weights of '):
        runner.train()
    assert not osp.exists(osp.join(cfg.work_dir, 'iter_2.pth'))


def test_unreachable_pretrained_uri_says_how_to_use_a_local_file(tmp_path, monkeypatch):
    from mmengine.runner import checkpoint
    url = 'https://download.pytorch.org/models/resnet18-f37072fd.pth'
    monkeypatch.setattr(checkpoint, 'get_torchvision_models', lambda: {'resnet18': url})
    monkeypatch.setattr(torch.hub, '_hub_dir', str(tmp_path / 'hub'))  # nothing cached
    attempts = []

    def offline(*args, **kwargs):
        attempts.append(args[0])
        raise urllib.error.URLError(OSError(-3, 'Temporary failure in name resolution'))

    monkeypatch.setattr(torch.hub, 'download_url_to_file', offline)
    with pytest.raises(PretrainedWeightsError) as excinfo:
        _tiny('torchvision://resnet18').init_weights()
    assert attempts == [url]
    message = str(excinfo.value)
    assert message.startswith(f"Could not download the pretrained weights "
                              f"'torchvision://resnet18' of TinyEncoderForTest from {url}: "
                              f'[Errno -3] Temporary failure in name resolution.')
    assert ('--cfg-options model.backbone.init_cfg.checkpoint=/path/to/resnet18-f37072fd.pth'
            in message)
    assert osp.join(str(tmp_path / 'hub'), 'checkpoints') in message
    # mmcls:// files keep their 'backbone.' prefix when pointed to as a local file.
    monkeypatch.setattr(checkpoint, 'get_mmcls_models',
                        lambda: {'mobilenet_v2': 'https://example.org/mnv2.pth'})
    with pytest.raises(PretrainedWeightsError,
                       match=r'init_cfg.checkpoint=/path/to/mnv2\.pth '
                       r'model\.backbone\.init_cfg\.prefix=backbone\.'):
        _tiny('mmcls://mobilenet_v2').init_weights()
    # A missing local file stays mmengine's FileNotFoundError.
    with pytest.raises(FileNotFoundError):
        _tiny(str(tmp_path / 'absent.pth')).init_weights()
