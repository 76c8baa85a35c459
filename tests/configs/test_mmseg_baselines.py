"""MMSeg baselines: each matches the study config it names (``compared_with``) in everything
but the model, inherits MMSeg's own model file, and a UNet baseline works at any input size."""
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from helpers import REPO, load_config, model_cfg_without_weights

BASELINES = sorted(
    osp.relpath(p, REPO) for p in glob.glob(osp.join(REPO, 'configs', 'mmseg_baselines', '*.py')))
COMPARED = [p for p in BASELINES if 'compared_with' in open(osp.join(REPO, p)).read()]
REDUCED_STUDIES = sorted(
    osp.relpath(p, REPO) for p in glob.glob(osp.join(REPO, 'configs', '0*', '*_cpu-reduced.py')))
# Reduced protocols without an MMSeg baseline of their own: study 000's MobileNetV2 arms (same
# data, loss and schedule as the plain U-Net, whose UNet-S5-D16 baseline they share), and study
# 002's VOC-8 and multi-task protocols, 12 and 24 epochs (no MMSeg baseline yet).
WITHOUT_BASELINE = ('configs/000_voc8-unet/unet_m-v2',
                    'configs/002_transfer/light_m-v2_1xb32-12e_voc8-256x256_cpu-reduced.py',
                    'configs/002_transfer/multitask_m-v2_1xb32-12e_voc8-256x256_cpu-reduced.py',
                    'configs/002_transfer/light_m-v2_1xb32-24e_voc8-256x256_cpu-reduced.py',
                    'configs/002_transfer/multitask_m-v2_1xb32-24e_voc8-256x256_cpu-reduced.py')


def _load(path):
    return load_config(path, for_building=False)  # shared: copy before changing


def _loss(head):
    loss = dict(head.loss_decode)
    loss.pop('loss_weight', None)  # an auxiliary head's share (0.4 in MMSeg's models)
    return loss


def _data(loader):
    return dict(batch_size=loader.batch_size, sampler=loader.sampler,
                dataset={k: v for k, v in loader.dataset.items()})


def test_every_reduced_study_protocol_has_a_baseline():
    compared = {_load(p).compared_with for p in COMPARED}
    missing = [s for s in REDUCED_STUDIES
               if s not in compared and not s.startswith(WITHOUT_BASELINE)]
    # The two SegNet arms of study 001 share one baseline (same data, loss and schedule).
    missing = [s for s in missing if 'segnet-residual_w16' not in s]
    # Study 003's arms differ only in the loss (CDFL needs the MC-dropout head): they share
    # the MMSeg baseline of its CE arm.
    missing = [s for s in missing
               if not re.match(r'configs/003_cdfl/.*-(cdfl|focal|lovasz)-', s)]
    assert not missing, f'reduced study configs without an MMSeg baseline: {missing}'


@pytest.mark.parametrize('path', COMPARED)
def test_baseline_matches_its_study_but_for_the_model(path):
    base = _load(path)
    study = _load(base.compared_with)
    text = open(osp.join(REPO, path)).read()
    assert osp.basename(base.compared_with) in text.split('\n_base_')[0], (
        f'{path}: its header must name the study config it matches')
    # Inherits MMSeg's own model file (directly or through the full-protocol baseline).
    chain, seen = text, path
    while 'mmseg::_base_/models/' not in chain:
        parent = chain.split("_base_ = ['./", 1)[1].split("'", 1)[0]
        seen = osp.join(osp.dirname(seen), parent)
        chain = open(osp.join(REPO, seen)).read()
    assert _loss(base.model.decode_head) == _loss(study.model.decode_head)
    if base.model.get('auxiliary_head'):
        assert _loss(base.model.auxiliary_head) == _loss(study.model.decode_head)
    for key in ('train_cfg', 'optim_wrapper', 'param_scheduler', 'randomness', 'val_evaluator',
                'custom_hooks'):
        assert base.get(key) == study.get(key), f'{path}: {key} differs from the study'
    for loader in ('train_dataloader', 'val_dataloader'):
        assert _data(base[loader]) == _data(study[loader]), f'{path}: {loader} differs'
    assert base.model.decode_head.num_classes == study.model.decode_head.num_classes


def test_camvid_baselines_use_study_001s_negative_class():
    """Road (3) plays background in study 001's balanced CE; Sky (0) was a drift once."""
    for path in BASELINES:
        cfg = _load(path)
        loss = cfg.model.decode_head.loss_decode
        if 'camvid' in path and loss.get('type') == 'BalancedCELoss':
            assert loss.background_index == 3, path


def test_unet_baseline_pads_to_16_and_crops_back_at_180x240():
    """180 is not a multiple of 16: training pads the batch (labels with 255), inference crops
    the prediction back to the input and resizes it to the original shape."""
    cfg = _load(osp.join('configs', 'mmseg_baselines',
                         'unet-s5-d16_fcn_w16_1xb4-30e_camvid-180x240_cpu-reduced.py'))
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    g = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(2):
        label = torch.randint(0, 11, (1, 180, 240), generator=g)
        s = SegDataSample(gt_sem_seg=PixelData(data=label))
        s.set_metainfo(dict(img_shape=(180, 240), ori_shape=(180, 240)))
        samples.append(s)
    inputs = [torch.rand(3, 180, 240, generator=g) * 255 for _ in range(2)]
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)
    assert tuple(data['inputs'].shape[-2:]) == (192, 240)
    label = data['data_samples'][0].gt_sem_seg.data
    assert tuple(label.shape[-2:]) == (192, 240) and bool((label[..., 180:, :] == 255).all())
    losses = model.loss(data['inputs'], data['data_samples'])
    assert all(torch.isfinite(v).all() for k, v in losses.items() if 'loss' in k)
    model.eval()
    test = model.data_preprocessor(dict(inputs=inputs[:1], data_samples=samples[:1]), False)
    assert tuple(test['inputs'].shape[-2:]) == (192, 240)
    with torch.no_grad():
        (pred, ) = model.predict(test['inputs'], test['data_samples'])
        padded_logits = model.encode_decode(test['inputs'],
                                            [d.metainfo for d in test['data_samples']])
    assert tuple(pred.seg_logits.data.shape) == (11, 180, 240)
    # The cropped-back prediction is the top-left 180x240 of the padded forward.
    assert torch.allclose(pred.seg_logits.data, padded_logits[0, :, :180, :240], atol=1e-6)
    # Validation resizes 360x480 images to 180x240; the prediction is resized to 360x480.
    sample = SegDataSample()
    sample.set_metainfo(dict(img_shape=(180, 240), ori_shape=(360, 480)))
    test = model.data_preprocessor(dict(inputs=inputs[:1], data_samples=[sample]), False)
    with torch.no_grad():
        (pred, ) = model.predict(test['inputs'], test['data_samples'])
    assert tuple(pred.pred_sem_seg.data.shape) == (1, 360, 480)


def _train_step_cases():
    return [p if p.endswith('_cpu-reduced.py') else pytest.param(p, marks=pytest.mark.slow)
            for p in BASELINES]


@pytest.mark.parametrize('path', _train_step_cases())
def test_baseline_trains_a_step(path):
    """Model, loss, optimiser and gradient clipping of the config, one SGD/AdamW step."""
    from mmengine.optim import build_optim_wrapper
    cfg = _load(path)
    weights = cfg.get('cityscapes_class_frequency_file')
    if weights and not osp.isfile(weights):  # not shipped: the study config needs it too
        pytest.skip(f'{path}: the class-weight file {weights} is written from Cityscapes data')
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(model_cfg_without_weights(cfg))
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    num_classes = model.decode_head.num_classes
    g = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(2):
        s = SegDataSample(
            gt_sem_seg=PixelData(data=torch.randint(0, num_classes, (1, 72, 88), generator=g)))
        s.set_metainfo(dict(img_shape=(72, 88), ori_shape=(72, 88)))
        samples.append(s)
    data = dict(inputs=[torch.rand(3, 72, 88, generator=g) * 255 for _ in range(2)],
                data_samples=samples)
    before = [p.detach().clone() for p in model.parameters()]
    log_vars = model.train_step(data, optim)
    assert torch.isfinite(torch.as_tensor(log_vars['loss']))
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
