"""LossTermPrefixHook: CombinedLoss's logged terms carry their head's prefix (decode./aux.)."""
import copy
import os.path as osp
import types

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from torch import nn

from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from seglab.engine import LossTermPrefixHook
from seglab.engine.loss_term_prefix_hook import head_prefix, set_loss_log_prefixes
from seglab.losses import CombinedLoss

from helpers import REPO


@pytest.mark.parametrize('name, prefix', [
    ('decode_head.loss_decode', 'decode'),
    ('decode_head.loss_decode.1', 'decode'),
    ('auxiliary_head.loss_decode', 'aux'),
    ('auxiliary_head.0.loss_decode', 'aux_0'),
    ('auxiliary_head.12.loss_decode.0', 'aux_12'),
    ('backbone.layer1', None),
    ('decode_headless', None),
])
def test_head_prefix_is_mmsegs(name, prefix):
    assert head_prefix(name) == prefix


def test_only_unset_prefixes_are_named():
    model = nn.Module()
    model.decode_head = nn.Module()
    model.decode_head.loss_decode = CombinedLoss(preset='equal')
    model.auxiliary_head = nn.ModuleList([nn.Module(), nn.Module()])
    model.auxiliary_head[0].loss_decode = CombinedLoss(preset='equal')
    model.auxiliary_head[1].loss_decode = CombinedLoss(preset='equal', log_prefix='mine')
    assert set_loss_log_prefixes(model) == 2
    assert model.decode_head.loss_decode.log_prefix == 'decode'
    assert model.auxiliary_head[0].loss_decode.log_prefix == 'aux_0'
    assert model.auxiliary_head[1].loss_decode.log_prefix == 'mine'


def test_default_runtime_runs_the_hook():
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'default_runtime.py'))
    assert 'LossTermPrefixHook' in [h['type'] for h in cfg.custom_hooks]


def test_decode_and_aux_terms_are_logged_per_head():
    """A U-Net with an FCN auxiliary head, both with CombinedLoss: after the hook each head's
    CE term in the log is that head's own CE (computed here from its logits), not a mixture."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'quickstart',
                                   'unet-w8_1xb2-8it_synthvoc-64x64.py'))
    init_default_scope('mmseg')
    model_cfg = copy.deepcopy(cfg.model)
    num_classes = model_cfg.decode_head.num_classes
    model_cfg.decode_head.dropout_ratio = 0.0
    model_cfg.decode_head.loss_decode = dict(type='CombinedLoss', preset='dice_dominant')
    model_cfg.auxiliary_head = dict(
        type='FCNHead', in_channels=64, in_index=3, channels=8, num_convs=1, concat_input=False,
        dropout_ratio=0.0, num_classes=num_classes, align_corners=False,
        loss_decode=dict(type='CombinedLoss', preset='dice_dominant', loss_weight=0.4))
    model = MODELS.build(model_cfg).train()
    LossTermPrefixHook().before_run(types.SimpleNamespace(model=model))

    gen = torch.Generator().manual_seed(0)
    inputs = torch.randn(2, 3, 64, 64, generator=gen)
    labels = torch.randint(0, num_classes, (2, 64, 64), generator=gen)
    labels[:, :3] = 255
    samples = []
    for label in labels:
        sample = SegDataSample(metainfo=dict(img_shape=(64, 64), pad_shape=(64, 64)))
        sample.gt_sem_seg = PixelData(data=label[None])
        samples.append(sample)
    losses = model.loss(inputs, samples)
    assert {'decode.loss_combined', 'aux.loss_combined'} <= set(losses)

    hub = MessageHub.get_current_instance()
    with torch.no_grad():  # train-mode BN: the same batch gives the same logits again
        feats = model.extract_feat(inputs)
        for head, prefix in ((model.decode_head, 'decode'), (model.auxiliary_head, 'aux')):
            logits = resize(head(feats), size=(64, 64), mode='bilinear', align_corners=False)
            want = F.cross_entropy(logits, labels, ignore_index=255).item()
            got = hub.get_scalar(f'train/{prefix}.loss_combined_ce').current()
            assert got == pytest.approx(want, rel=1e-4), prefix
    assert (hub.get_scalar('train/decode.loss_combined_ce').current()
            != hub.get_scalar('train/aux.loss_combined_ce').current())
