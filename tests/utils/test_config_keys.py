"""Config typos named at start-up: misspelt top-level keys and unexpected keywords."""
import os
import os.path as osp
import runpy
import sys

import pytest
from mmengine.config import Config

import seglab  # noqa: F401
from mmseg.registry import HOOKS, METRICS, TRANSFORMS
from seglab.utils.config_keys import (ConfigKeyError, accepted_keywords, check_config_keys,
                                      unexpected_keywords, unknown_top_level_keys)

from helpers import REPO

QUICKSTART = osp.join(REPO, 'configs', 'quickstart', 'unet-w16_1xb8-600it_synthvoc-128x128.py')
SMOKE = osp.join(REPO, 'configs', 'quickstart', 'unet-w8_1xb2-8it_synthvoc-64x64.py')


@pytest.fixture(scope='module')
def quickstart():
    return Config.fromfile(QUICKSTART)


def _problems(cfg, **updates):
    cfg = Config(cfg.to_dict())  # a fresh copy per case
    cfg.merge_from_dict(updates)
    return unknown_top_level_keys(cfg) + unexpected_keywords(cfg)


def test_shipped_config_has_no_problem(quickstart):
    assert _problems(quickstart) == []


def test_misspelt_top_level_key_is_named(quickstart):
    cfg = Config(quickstart.to_dict())
    cfg.optim_wraper = dict(optimizer=dict(lr=1.0))
    with pytest.raises(ConfigKeyError) as excinfo:
        check_config_keys(cfg)
    assert ("optim_wraper: not a key mmengine reads, so this setting would be ignored; did you "
            "mean 'optim_wrapper'?") in str(excinfo.value)


def test_config_variables_are_not_flagged(quickstart):
    cfg = Config(quickstart.to_dict())
    for name in ('val_pipeline', 'models', 'norm_cfg', 'crop_size', 'voc8_class_frequency',
                 'my_pipeline'):
        cfg[name] = 1
    assert unknown_top_level_keys(cfg) == []


@pytest.mark.parametrize('update, message', [
    ({'model.decode_head.num_clases': 3},
     "model.decode_head.num_clases: UNetHead takes no argument 'num_clases'; did you mean "
     "'num_classes'?"),
    ({'model.decode_head.loss_decode.los_weight': 2.0},
     "model.decode_head.loss_decode.los_weight: CrossEntropyLoss takes no argument "
     "'los_weight'; did you mean 'loss_weight'?"),
    ({'default_hooks.checkpoint.max_keep_ckpt': 1},
     "default_hooks.checkpoint.max_keep_ckpt: AtomicCheckpointHook takes no argument "
     "'max_keep_ckpt'; did you mean 'max_keep_ckpts'?"),
    ({'train_dataloader.batch_sise': 2},
     "train_dataloader.batch_sise: DataLoader takes no argument 'batch_sise'; did you mean "
     "'batch_size'?"),
    ({'train_dataloader.dataset.pipeline.1.num_class': 21},
     "train_dataloader.dataset.pipeline[1].num_class: CheckedLoadAnnotations takes no "
     "argument 'num_class'; did you mean 'num_classes'?"),
    ({'optim_wrapper.optimizer.weight_decy': 0.1},
     "optim_wrapper.optimizer.weight_decy: AdamW takes no argument 'weight_decy'; did you mean "
     "'weight_decay'?"),
    ({'val_evaluator.iou_metric': ['mIoU']},  # IoUMetric would drop it silently (**kwargs)
     "val_evaluator.iou_metric: IoUMetric takes no argument 'iou_metric'; did you mean "
     "'iou_metrics'?"),
    ({'train_cfg.val_intervl': 10},
     "train_cfg.val_intervl: IterBasedTrainLoop takes no argument 'val_intervl'; did you mean "
     "'val_interval'?"),
    ({'model.backbone.norm_cfg.requires_grd': True},
     "model.backbone.norm_cfg.requires_grd: BatchNorm2d takes no argument 'requires_grd'; did "
     "you mean 'requires_grad'?"),
])
def test_unexpected_keyword_is_named_with_its_path(quickstart, update, message):
    assert _problems(quickstart, **update) == [message]


def test_builder_keys_are_accepted(quickstart):
    assert _problems(quickstart, **{
        'default_hooks.logger.priority': 'LOW',  # Runner.register_hook
        'param_scheduler': [dict(type='PolyLR', by_epoch=True, convert_to_iter_based=True)],
        'model.backbone.norm_cfg': dict(type='BN', requires_grad=True),  # build_norm_layer
        'model.decode_head.init_cfg': dict(type='Normal', std=0.01,
                                           override=dict(type='Normal', name='conv_seg')),
        # Runner.build_dataloader pops both before building the DataLoader
        'train_dataloader.disable_subprocess_warning': True,
        'train_dataloader.num_batch_per_epoch': 2,
    }) == []


def test_hook_key_fails_only_at_the_first_save_without_the_check():
    # CheckpointHook keeps unknown keys and passes them to Runner.save_checkpoint later.
    hook = HOOKS.build(dict(type='AtomicCheckpointHook', max_keep_ckpt=1))
    assert hook.args == {'max_keep_ckpt': 1}
    assert 'max_keep_ckpt' not in accepted_keywords(type(hook))
    assert {'max_keep_ckpts', 'backend_args', 'interval'} <= accepted_keywords(type(hook))


def test_accepted_keywords_follow_forwarded_kwargs_only():
    # CheckedLoadAnnotations(**kwargs) -> mmseg's LoadAnnotations: closed, both levels.
    accepted = accepted_keywords(TRANSFORMS.get('CheckedLoadAnnotations'))
    assert {'skip_corrupt', 'num_classes', 'reduce_zero_label', 'imdecode_backend'} <= accepted
    # IoUMetric never reads its **kwargs: a misspelt key would vanish, so it is closed.
    assert 'iou_metrics' in accepted_keywords(METRICS.get('IoUMetric'))
    # RandomResize passes its **kwargs to the resize transform it builds: open-ended.
    assert accepted_keywords(TRANSFORMS.get('RandomResize')) is None


def test_train_tool_reports_config_typos(tmp_path, monkeypatch):
    """tools/train.py, run in this process (its imports are loaded: fast), stops before
    building anything."""
    monkeypatch.setattr(sys, 'argv', [
        'train.py', SMOKE, '--work-dir', str(tmp_path), '--cfg-options',
        'model.decode_head.num_clases=3', 'optim_wraper.optimizer.lr=1.0'])
    with pytest.raises(ConfigKeyError) as excinfo:
        runpy.run_path(osp.join(REPO, 'tools', 'train.py'), run_name='__main__')
    message = str(excinfo.value)
    assert message.startswith(f'2 unknown key(s) in the config ({SMOKE})')
    assert "did you mean 'num_classes'?" in message and "did you mean 'optim_wrapper'?" in message
    assert not os.listdir(tmp_path)  # nothing built, nothing written


def test_without_the_check_the_typo_is_a_bare_type_error(quickstart):
    """What mmengine alone says: no config path, no suggestion."""
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    cfg = Config(quickstart.to_dict())
    cfg.model.decode_head.num_clases = 3
    with pytest.raises(TypeError, match="unexpected keyword argument 'num_clases'") as excinfo:
        MODELS.build(cfg.model)
    assert 'model.decode_head' not in str(excinfo.value)


def test_no_key_check_skips_the_check(tmp_path, monkeypatch):
    # The next start-up check (a data_root that does not exist) is reached instead.
    monkeypatch.setattr(sys, 'argv', [
        'train.py', SMOKE, '--work-dir', str(tmp_path), '--no-key-check', '--cfg-options',
        'model.decode_head.num_clases=3', f'train_dataloader.dataset.data_root={tmp_path}/no'])
    with pytest.raises(FileNotFoundError, match='train_dataloader.dataset.data_root'):
        runpy.run_path(osp.join(REPO, 'tools', 'train.py'), run_name='__main__')
