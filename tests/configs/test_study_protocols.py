"""The studies' protocols as their papers specify, read from each config's resolved dict.

Study 004 (§III.A, §III.D Table I): class-weighted CE (median-frequency weights of the training
split) and photometric augmentation (brightness/contrast ±20 %, colour jitter ±10 %) in every
config, CamVid and Cityscapes, reduced ones included. Study 002 (§5.2): ReduceLROnPlateau and
EarlyStopping monitor val_loss (rule 'less'), which ValLossHook computes; the *_miou-monitor
variants monitor mIoU. Every config that monitors val_loss has the hook. Study 002's Pet
pipeline only resizes (§3).
"""
import copy
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.registry import init_default_scope

from mmseg.registry import MODELS

from helpers import CONFIGS, REPO, experiment_configs, load_config

FREQ_DIR = osp.join(CONFIGS, '_base_', 'class_frequency')


def _configs(folder):
    return sorted(osp.relpath(p, REPO) for p in glob.glob(osp.join(CONFIGS, folder, '*.py')))


STUDY_004 = _configs('004_loss-weighting')
STUDY_002 = _configs('002_transfer')
ALL = experiment_configs()


def _load(path):
    return load_config(path, for_building=False)


def test_the_study_folders_are_found():
    assert len(STUDY_004) >= 23 and len(STUDY_002) >= 8


@pytest.mark.parametrize('path', STUDY_004)
def test_004_ce_term_has_median_frequency_class_weights(path):
    loss = _load(path).model.decode_head.loss_decode
    assert loss.type == 'CombinedLoss'
    if 'camvid' in path:
        with open(osp.join(FREQ_DIR, 'camvid_train.json')) as f:
            stats = json.load(f)
        assert stats['split'] == 'train' and stats['num_images'] == 367
        assert loss.class_weight == pytest.approx(stats['median_frequency_weights'], abs=5e-5)
    else:
        assert 'cityscapes' in path
        assert osp.normpath(loss.class_weight) == osp.join(FREQ_DIR, 'cityscapes_train.json')
        assert loss.class_weight_key == 'median_frequency_weights'


def test_004_cityscapes_config_builds_and_reads_the_json(tmp_path):
    """Without the JSON the model builds; with one, the CE term carries its weights."""
    path = 'configs/004_loss-weighting/attention-unet_1xb4-ce-only-20e_cityscapes-512x256.py'
    cfg = _load(path)
    init_default_scope('mmseg')
    loss_cfg = copy.deepcopy(cfg.model.decode_head.loss_decode)
    if not osp.isfile(loss_cfg.class_weight):
        MODELS.build(copy.deepcopy(loss_cfg))  # no file, no data: still builds
    weights = [float(i + 1) for i in range(19)]
    json_path = tmp_path / 'cityscapes_train.json'
    json_path.write_text(json.dumps(dict(median_frequency_weights=weights)))
    loss_cfg.class_weight = str(json_path)
    loss = MODELS.build(loss_cfg)
    logits, label = torch.zeros(1, 19, 2, 2), torch.tensor([[[0, 18], [3, 255]]])
    # uniform logits: -log p = log 19 for every pixel, weighted by the label's class
    want = (1 + 19 + 4) / 3 * torch.log(torch.tensor(19.0))
    assert loss(logits, label).item() == pytest.approx(want.item(), rel=1e-5)


@pytest.mark.parametrize('path', STUDY_004)
def test_004_photometric_augmentation(path):
    """§III.A: flip 0.5, brightness/contrast ±20 %, colour jitter ±10 % (saturation) after the
    flip; the same transform on CamVid as on Cityscapes."""
    pipeline = _load(path).train_dataloader.dataset.pipeline
    types = [t['type'] for t in pipeline]
    assert types.count('SegColorJitter') == 1, types
    jitter = pipeline[types.index('SegColorJitter')]
    assert (jitter.brightness, jitter.contrast, jitter.saturation) == (0.2, 0.2, 0.1)
    assert types.index('RandomFlip') < types.index('SegColorJitter') < types.index(
        'PackSegInputs')
    assert pipeline[types.index('RandomFlip')].prob == 0.5


@pytest.mark.parametrize('path', STUDY_004)
def test_004_logs_the_validation_loss(path):
    """Table III reports the minimum validation loss."""
    assert 'ValLossHook' in [h['type'] for h in _load(path).custom_hooks]


def _monitors(cfg):
    sched = [(s.monitor, s.rule) for s in cfg.get('param_scheduler', [])
             if s.type == 'ReduceOnPlateauLR']
    early = [(h['monitor'], h['rule']) for h in cfg.get('custom_hooks', [])
             if h['type'] == 'ResumableEarlyStoppingHook']
    return sched, early


@pytest.mark.parametrize('path', STUDY_002)
def test_002_monitors_val_loss_as_the_paper(path):
    cfg = _load(path)
    sched, early = _monitors(cfg)
    want = ('mIoU', 'greater') if path.endswith('_miou-monitor.py') else ('val_loss', 'less')
    assert sched == [want] and early == [want], (sched, early)
    (hook, ) = [h for h in cfg.custom_hooks if h['type'] == 'ResumableEarlyStoppingHook']
    assert hook.patience == 20
    (plateau, ) = cfg.param_scheduler
    assert (plateau.factor, plateau.patience, plateau.min_value) == (0.5, 1, 1e-6)


@pytest.mark.parametrize('path', ALL)
def test_a_val_loss_monitor_has_the_hook_that_computes_it(path):
    """mmengine's ReduceOnPlateauLR skips a missing monitor silently: without ValLossHook a
    val_loss schedule would never reduce."""
    cfg = _load(path)
    sched, early = _monitors(cfg)
    if any(monitor == 'val_loss' for monitor, _ in sched + early):
        hooks = [h['type'] for h in cfg.get('custom_hooks', [])]
        assert {'ValLossHook', 'MultiTaskValLossHook'} & set(hooks), \
            f'{path} monitors val_loss but has no ValLossHook'


def test_002_pet_pipeline_only_resizes():
    pipeline = _load('configs/002_transfer/'
                     'light_m-v3-small_1xb32-100e_oxford-pet-binary-224x224.py'
                     ).train_dataloader.dataset.pipeline
    assert [t['type'] for t in pipeline] == [
        'CheckedLoadImageFromFile', 'CheckedLoadAnnotations', 'Resize', 'PackSegInputs']
