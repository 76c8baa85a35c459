"""seglab.apis predicts exactly what tools/test.py writes, on a seglab config with checked
loaders and a dataloader-only half-resolution Resize (as in the reduced study configs)."""
import glob
import os
import os.path as osp
import runpy
import subprocess
import sys

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from seglab.apis import (InferencePipelineError, MMSegInferencer, inference_model,
                         inference_pipeline, init_model, mc_dropout_inference)

from helpers import REPO, SMOKE_CONFIG as TINY

# The reduced configs' pattern: Resize in the dataloader's pipeline only (not in test_pipeline).
HALF_RES_CONFIG = f"""_base_ = [{TINY!r}]
half_res = dict(type='Resize', scale=(48, 40), keep_ratio=True)
val_dataloader = dict(dataset=dict(
    pipeline=_base_.test_pipeline[:1] + [half_res] + _base_.test_pipeline[1:]))
test_dataloader = val_dataloader
"""


@pytest.fixture(scope='module')
def tested(tmp_path_factory, synthetic_voc_root):
    """A random-weight checkpoint of the half-resolution config and tools/test.py's PNGs."""
    tmp = tmp_path_factory.mktemp('inference')
    config = str(tmp / 'half_res.py')
    with open(config, 'w') as f:
        f.write(HALF_RES_CONFIG)
    torch.manual_seed(0)
    model = init_model(config)
    model.init_weights()
    classes = tuple(f'class{i}' for i in range(21))
    palette = [[i * 12, 255 - i * 12, (i * 40) % 256] for i in range(21)]
    checkpoint = str(tmp / 'model.pth')
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': {'classes': classes, 'palette': palette}}}, checkpoint)
    out = str(tmp / 'pred')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    run = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'test.py'), config, checkpoint, '--out', out,
         '--work-dir', str(tmp / 'work'), '--data-root', synthetic_voc_root],
        capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    pngs = sorted(glob.glob(osp.join(out, '*.png')))
    assert len(pngs) == 8
    images = [osp.join(synthetic_voc_root, 'JPEGImages', osp.basename(p)[:-4] + '.jpg')
              for p in pngs]
    expected = [np.array(Image.open(p)) for p in pngs]
    return dict(config=config, checkpoint=checkpoint, images=images, expected=expected,
                root=synthetic_voc_root, tmp=tmp)


def test_init_and_inference_model_match_tools_test(tested):
    model = init_model(tested['config'], tested['checkpoint'])
    assert model.dataset_meta['classes'][3] == 'class3'
    preds = inference_model(model, tested['images'])
    for pred, expected in zip(preds, tested['expected']):
        assert pred.pred_sem_seg.data.shape[1:] == expected.shape
        np.testing.assert_array_equal(pred.pred_sem_seg.data[0].numpy(), expected)
    # The test can fail: the top-level test_pipeline (mmseg's choice) has no Resize, and
    # the random model's prediction depends on the resolution.
    cfg = Config.fromfile(tested['config'])
    assert [t['type'] for t in cfg.test_pipeline] == [
        'CheckedLoadImageFromFile', 'CheckedLoadAnnotations', 'PackSegInputs']
    single = inference_model(model, tested['images'][0])
    assert len(np.unique(single.pred_sem_seg.data.numpy())) > 1


def test_array_input_and_mmseg_functions_agree(tested):
    from mmseg.apis import inference_model as mmseg_inference_model
    from mmseg.apis import init_model as mmseg_init_model
    model = init_model(tested['config'], tested['checkpoint'])
    bgr = mmcv.imread(tested['images'][1])
    np.testing.assert_array_equal(
        inference_model(model, bgr).pred_sem_seg.data[0].numpy(), tested['expected'][1])
    # mmseg's inference_model on a seglab-initialised model runs the derived pipeline.
    np.testing.assert_array_equal(
        mmseg_inference_model(model, tested['images'][2]).pred_sem_seg.data[0].numpy(),
        tested['expected'][2])
    # seglab's inference_model on mmseg's init_model derives the pipeline from model.cfg.
    upstream = mmseg_init_model(tested['config'], tested['checkpoint'], device='cpu')
    np.testing.assert_array_equal(
        inference_model(upstream, tested['images'][3]).pred_sem_seg.data[0].numpy(),
        tested['expected'][3])


def test_inferencer_matches_tools_test(tested):
    inferencer = MMSegInferencer(model=tested['config'], weights=tested['checkpoint'],
                                 device='cpu')
    result = inferencer(tested['images'][:3])
    for pred, expected in zip(result['predictions'], tested['expected']):
        np.testing.assert_array_equal(pred, expected)


def test_pipeline_keeps_loader_options_and_drops_labels():
    cfg = Config.fromfile(TINY)
    cfg.test_dataloader.dataset.pipeline[0].update(imdecode_backend='pillow', skip_corrupt=True)
    cfg.test_dataloader.dataset = dict(type='RepeatDataset', times=2,
                                       dataset=cfg.test_dataloader.dataset)
    pipeline = inference_pipeline(cfg)
    assert pipeline == [dict(type='InferencerLoader', imdecode_backend='pillow'),
                        dict(type='PackSegInputs')]


def test_underivable_pipelines_are_named():
    cfg = Config.fromfile(TINY)
    cfg.test_dataloader.dataset.pipeline = [dict(type='PackSegInputs')]
    with pytest.raises(InferencePipelineError) as err:
        inference_pipeline(cfg)
    assert str(err.value) == (
        'test_dataloader.dataset.pipeline[0] (PackSegInputs) comes before the image loader; '
        'the inference pipeline must start by loading the image (LoadImageFromFile or a '
        'subclass).')
    cfg.test_dataloader.dataset.pipeline = [dict(type='CheckedLoadAnnotations')]
    with pytest.raises(InferencePipelineError, match=r'^test_dataloader.dataset.pipeline has '
                       r'no image loader \(LoadImageFromFile or a subclass such as '
                       r'CheckedLoadImageFromFile\)'):
        inference_pipeline(cfg)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline if 'tta_pipeline' in cfg else [
        dict(type='CheckedLoadImageFromFile'), dict(type='TestTimeAug', transforms=[[]])]
    with pytest.raises(InferencePipelineError, match=r'\(TestTimeAug\) wraps other transforms'):
        inference_pipeline(cfg)


def test_mc_dropout_samples_the_head_only(tested):
    model = init_model(tested['config'], tested['checkpoint'])
    calls = {'backbone': 0, 'head': 0, 'bn_training': []}
    model.backbone.register_forward_hook(lambda *_: calls.__setitem__(
        'backbone', calls['backbone'] + 1))
    model.decode_head.conv_seg.register_forward_hook(lambda *_: calls.__setitem__(
        'head', calls['head'] + 1))
    batch_norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    batch_norms[-1].register_forward_hook(
        lambda m, *_: calls['bn_training'].append(m.training))
    result = mc_dropout_inference(model, tested['images'][0], samples=4)
    assert calls['backbone'] == 1 and calls['head'] == 4
    assert not any(calls['bn_training']) and not model.training
    assert not model.decode_head.dropout.training  # restored
    probs = result.seg_logits.data
    shape = tested['expected'][0].shape
    assert probs.shape == (21, *shape) and result.entropy.data.shape == (1, *shape)
    torch.testing.assert_close(probs.sum(0), torch.ones(shape))
    entropy = -(probs * probs.clamp_min(1e-12).log()).sum(0, keepdim=True)
    torch.testing.assert_close(result.entropy.data, entropy)
    assert result.variance.data.max() > 0  # dropout really was active
    assert (result.variance.data >= 0).all() and result.variance.data.max() <= 0.25
    np.testing.assert_array_equal(result.pred_sem_seg.data, probs.argmax(0, keepdim=True))
    again = mc_dropout_inference(model, tested['images'][0], samples=4)
    torch.testing.assert_close(again.variance.data, result.variance.data)  # seeded


def test_mc_dropout_needs_dropout(tested):
    model = init_model(tested['config'], tested['checkpoint'],
                       cfg_options={'model.decode_head.dropout_ratio': 0.0})
    with pytest.raises(ValueError, match=r'has no dropout \(model.decode_head.dropout_ratio '
                       r'is 0\)'):
        mc_dropout_inference(model, tested['images'][0], samples=3)


def test_image_demo_paints_and_saves_uncertainty(tested, monkeypatch):
    out = str(tested['tmp'] / 'demo' / 'painted.png')
    os.makedirs(osp.dirname(out))
    image = tested['images'][0]
    monkeypatch.setattr(sys, 'argv', [
        'image_demo.py', image, tested['config'], tested['checkpoint'], '--out-file', out,
        '--opacity', '1', '--mc-samples', '3'])
    runpy.run_path(osp.join(REPO, 'demo', 'image_demo.py'), run_name='__main__')
    painted = np.array(Image.open(out).convert('RGB'))
    shape = tested['expected'][0].shape
    assert painted.shape == (*shape, 3)
    # Opacity 1: each pixel has its class's palette colour (the checkpoint's palette).
    model = init_model(tested['config'], tested['checkpoint'])
    pred = mc_dropout_inference(model, image, samples=3).pred_sem_seg.data[0].numpy()
    palette = np.array(model.dataset_meta['palette'], dtype=np.uint8)
    assert (painted == palette[pred]).all(-1).mean() > 0.99
    for name in ('entropy', 'variance'):
        grey = np.array(Image.open(out.replace('.png', f'_{name}.png')))
        assert grey.shape == shape and grey.dtype == np.uint8 and grey.max() > 0


def test_seglab_apis_import_alone_on_mmcv_lite():
    """mmseg.apis needs seglab's compat layer first on mmcv-lite; seglab.apis brings it."""
    code = ('from seglab.apis import MMSegInferencer, inference_model, init_model; '
            'from mmengine.config import Config; '
            f'model = init_model(Config.fromfile({TINY!r})); print(type(model).__name__)')
    run = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == 'MemoryFormatEncoderDecoder'
