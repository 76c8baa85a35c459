"""Clear errors: unknown registry types, class-count mismatches, checkpoints of other models."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

import seglab  # noqa: F401
from mmseg.registry import HOOKS, MODELS
from seglab.compat.key_report import describe_key_mismatch
from seglab.utils.config_checks import (UnknownTypeError, closest_names, explain_build_errors,
                                        registered_names)

from helpers import REPO, SMOKE_CONFIG

# The smoke U-Net has no auxiliary head; these tests give it one (an FCN on the 1/8 level,
# 32 channels) to check that the auxiliary head is covered too.
AUX_HEAD = dict(type='FCNHead', in_channels=32, in_index=3, channels=8, num_convs=1,
                concat_input=False, dropout_ratio=0.0, num_classes=21, align_corners=False,
                loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4))


# ------------------------------------------------------------------------- unknown types
def test_unknown_model_type_suggests_closest_names():
    with pytest.raises(UnknownTypeError) as excinfo, explain_build_errors():
        MODELS.build(dict(type='FCNHaed', num_classes=2, in_channels=4, channels=4))
    message = str(excinfo.value)
    assert "Unknown type 'FCNHaed'" in message and 'mmseg::model' in message
    suggestions = message.split('Did you mean: ')[1].split('?')[0].split(', ')
    assert suggestions[0] == 'FCNHead'
    assert isinstance(excinfo.value, KeyError)  # callers catching KeyError still work


def test_unknown_nested_type_and_parent_scope():
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')  # as the runner does; alone, this test must not rely on others
    cfg = Config.fromfile(SMOKE_CONFIG)
    cfg.model.backbone.type = 'UNett'
    with pytest.raises(UnknownTypeError, match=r"Did you mean: UNet\b"), explain_build_errors():
        MODELS.build(cfg.model)
    # CheckpointHook lives in mmengine's root registry, the parent of mmseg's HOOKS.
    with pytest.raises(UnknownTypeError, match='CheckpointHook'), explain_build_errors():
        HOOKS.build(dict(type='CheckpointHok'))


def test_registered_names_cover_parents_and_children():
    import mmpretrain.models  # noqa: F401  (a sibling scope under mmengine's root)
    names = registered_names(MODELS)
    assert 'FCNHead' in names  # own scope
    assert 'ImgDataPreprocessor' in names  # mmengine root registry
    assert any(n.startswith('mmpretrain.') for n in names)  # a sibling child scope
    assert closest_names('plainunet', ['UNet', 'PlainUNetEncoder', 'ResNet']) == \
        ['PlainUNetEncoder', 'UNet']  # case-insensitive, substring hits after close ones


def test_other_key_errors_pass_through():
    with pytest.raises(KeyError) as excinfo, explain_build_errors():
        raise KeyError('some other problem')
    assert not isinstance(excinfo.value, UnknownTypeError)


def test_train_tool_reports_unknown_type(synthetic_voc_root, tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'), SMOKE_CONFIG, '--work-dir',
         str(tmp_path), '--data-root', str(synthetic_voc_root),
         '--cfg-options', 'model.decode_head.type=FCNHaed'],
        env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert 'UnknownTypeError' in proc.stderr
    assert 'Did you mean: FCNHead' in proc.stderr


# ---------------------------------------------------------------- classes vs num_classes
def _runner(voc_root, work_dir, **options):
    from mmengine.runner import Runner
    cfg = Config.fromfile(SMOKE_CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = voc_root
    cfg.work_dir = str(work_dir)
    cfg.merge_from_dict(options)
    return Runner.from_cfg(cfg)


def test_decode_head_num_classes_mismatch_is_named(synthetic_voc_root, tmp_path):
    runner = _runner(synthetic_voc_root, tmp_path, **{'model.decode_head.num_classes': 8})
    with pytest.raises(ValueError) as excinfo:
        runner.train()
    message = str(excinfo.value)
    assert 'has 21 classes' in message and 'model.decode_head.num_classes = 8' in message
    assert 'train_dataloader.dataset' in message
    assert 'model.decode_head.num_classes=21' in message  # the fix, as a --cfg-options
    assert 'auxiliary_head' not in message  # the auxiliary head is right
    assert runner.iter == 0  # failed before training


def test_auxiliary_head_mismatch_on_test(synthetic_voc_root, tmp_path):
    runner = _runner(synthetic_voc_root, tmp_path,
                     **{'model.auxiliary_head': dict(AUX_HEAD, num_classes=5)})
    with pytest.raises(ValueError, match=r'test_dataloader.dataset.*21 classes.*'
                       r'model.auxiliary_head.num_classes = 5'):
        runner.test()


# ------------------------------------------------------------ checkpoint of another model
def test_describe_key_mismatch_groups_by_part():
    model = ['backbone.a.weight', 'backbone.b.weight', 'decode_head.conv_seg.weight']
    ckpt = ['backbone.a.weight', 'decode_head.conv_seg.weight', 'neck.x.weight',
            'neck.y.weight']
    text = describe_key_mismatch(model, ckpt, ['decode_head.conv_seg.weight (2,)->(3,)'])
    assert '1 keys missing in the checkpoint' in text and 'backbone: 1 (backbone.b.weight)' in text
    assert '2 keys unexpected' in text and 'neck: 2 (neck.x.weight, neck.y.weight)' in text
    assert '1 keys shape mismatch' in text
    assert describe_key_mismatch(model, model) is None
    assert 'probably for another model' in describe_key_mismatch(model, ['fc.weight'])


def _segmentor(**model_updates):
    cfg = Config.fromfile(SMOKE_CONFIG)
    for key, value in model_updates.items():
        node = cfg.model
        *parents, leaf = key.split('.')
        for p in parents:
            node = node[p]
        node[leaf] = value
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')
    return MODELS.build(cfg.model)


def test_checkpoint_of_another_model_is_explained(tmp_path, monkeypatch):
    from mmengine.runner import load_checkpoint
    from seglab.compat import key_report
    other = _segmentor(**{'decode_head.num_classes': 3})
    path = tmp_path / 'other.pth'
    torch.save({'state_dict': other.state_dict()}, path)
    model = _segmentor(auxiliary_head=AUX_HEAD)
    with pytest.raises(RuntimeError) as excinfo:
        load_checkpoint(model, str(path), strict=True)
    message = str(excinfo.value)
    assert f'does not match {type(model).__name__}' in message
    assert 'missing in the checkpoint' in message and 'auxiliary_head:' in message
    assert 'shape mismatch' in message and 'decode_head.conv_seg.weight (3, 8, 1, 1)' in message
    # Non-strict loading (load_from, Pretrained) logs the same summary as a warning.
    logged = []
    monkeypatch.setattr(key_report, 'print_log', lambda msg, **kw: logged.append(msg))
    load_checkpoint(model, str(path), strict=False)
    assert len(logged) == 1 and 'auxiliary_head:' in logged[0]
