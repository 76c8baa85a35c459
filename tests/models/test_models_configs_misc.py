"""DeepLabV3+ ResNet-34 (study 004) and FCN with dropout (study 003): configs of mmseg's modules."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmseg.registry import MODELS

from helpers import REPO, build_model_from

NUM_CLASSES = 3


def _cfg(name: str) -> Config:
    return Config.fromfile(osp.join(REPO, 'configs', '_base_', 'models', f'{name}.py'))


def _build(name: str, **head):
    """The config's model without its ImageNet checkpoint (a URI no test may download)."""
    return build_model_from(osp.join('configs', '_base_', 'models', f'{name}.py'),
                            num_classes=NUM_CLASSES, **head)


def test_deeplabv3plus_r34_structure():
    """Study 004 §III.C: ResNet-34, ASPP rates [6, 12, 18] (output stride 16), low-level skip
    from layer1 (64 ch) reduced to 48; ~21.3 M parameters in the study."""
    cfg = _cfg('deeplabv3plus_r34').model
    assert cfg.backbone.init_cfg.checkpoint == 'torchvision://resnet34'
    model = _build('deeplabv3plus_r34')
    assert type(model.backbone.layer1[0]).__name__ == 'BasicBlock'
    assert [len(getattr(model.backbone, f'layer{i}')) for i in range(1, 5)] == [3, 4, 6, 3]
    model.eval()
    with torch.no_grad():
        feats = model.backbone(torch.randn(1, 3, 64, 96))
    assert [tuple(f.shape[1:]) for f in feats] == [(64, 16, 24), (128, 8, 12), (256, 4, 6),
                                                   (512, 4, 6)]  # OS 16
    head = model.decode_head
    assert tuple(head.dilations) == (1, 6, 12, 18)
    assert head.c1_bottleneck.conv.in_channels == 64
    assert head.c1_bottleneck.conv.out_channels == 48
    assert 21e6 < sum(p.numel() for p in model.parameters()) < 23e6


def test_deeplabv3plus_r34_loads_a_local_torchvision_checkpoint(tmp_path):
    """The documented offline override (model.backbone.init_cfg.checkpoint=/path) loads a
    torchvision-format ResNet-34 file into every backbone tensor."""
    torchvision = pytest.importorskip('torchvision')
    torch.manual_seed(1)
    ref = torchvision.models.resnet34(weights=None).state_dict()
    path = tmp_path / 'resnet34.pth'
    torch.save(ref, path)
    init_default_scope('mmseg')
    model_cfg = copy.deepcopy(_cfg('deeplabv3plus_r34').model)
    model_cfg.backbone.init_cfg.checkpoint = str(path)
    model_cfg.decode_head.num_classes = NUM_CLASSES
    model = MODELS.build(model_cfg)
    model.init_weights()
    state = model.backbone.state_dict()
    loaded = {k for k in state if k in ref and torch.equal(state[k], ref[k])}
    missing = {k for k in state if not k.endswith('num_batches_tracked')} - loaded
    assert not missing, sorted(missing)[:5]


def test_fcn_dropout_sits_before_the_classifier_and_redraws_masks():
    """Study 003: the dropout Monte-Carlo passes re-run is the one before the 1x1 classifier;
    two training-mode passes of the head on the same features differ only through it."""
    model = _build('fcn_dropout')
    head = model.decode_head
    assert not model.with_auxiliary_head
    assert isinstance(head.dropout, torch.nn.Dropout2d) and head.dropout.p == 0.5
    feats = [torch.randn(1, c, 8, 8) for c in (256, 512, 1024, 2048)]
    head.train()
    with torch.no_grad():
        # BN in eval so that only dropout is random
        for m in head.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()
        a, b = head(feats), head(feats)
        head.dropout.eval()
        c, d = head(feats), head(feats)
    assert not torch.allclose(a, b)
    torch.testing.assert_close(c, d)


def test_fcn_dropout_accepts_the_mc_dropout_head():
    """The study-003 base model (fcn_dropout.py) builds with MCDropoutFCNHead, its default head."""
    init_default_scope('mmseg')
    if MODELS.get('MCDropoutFCNHead') is None:
        pytest.skip('MCDropoutFCNHead is not registered yet (losses area)')
    model = _build('fcn_dropout', type='MCDropoutFCNHead')
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 32, 32), mode='tensor')
    assert out.shape[1] == NUM_CLASSES
