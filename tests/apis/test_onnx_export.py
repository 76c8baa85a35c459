"""ONNX export: onnxruntime reproduces PyTorch's logits for every base model (SegNet's
max-unpooling included), dynamic shapes work, and the tool reports the parity check."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.apis import init_model as mmseg_init_model
from PIL import Image

from seglab.apis import inference_model, init_model
from seglab.apis.onnx_export import check_onnx, export_onnx

onnxruntime = pytest.importorskip('onnxruntime')

from helpers import BASE_MODELS, REPO, SMOKE_CONFIG as TINY

SEGNET_W8 = {'model.backbone.arch': dict(_delete_=True, stage_channels=(8, 8, 8),
                                         num_convs=(1, 1, 1), kernel_size=3),
             'model.decode_head.in_channels': (8, 8, 8), 'model.decode_head.channels': 8}


def _random_model(config, cfg_options=None):
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    torch.manual_seed(0)
    return mmseg_init_model(cfg, None, device='cpu').eval()


def test_segnet_unpooling_exports_with_dynamic_odd_sizes(tmp_path):
    model = _random_model(osp.join(REPO, 'configs', '_base_', 'models', 'segnet.py'),
                          SEGNET_W8)
    path = str(tmp_path / 'segnet.onnx')
    wrapper = export_onnx(model, path, (64, 64), dynamic=True)
    # 60x44 pools to 30x22, 15x11, 7x5: unpooling must restore the odd 15x11 exactly.
    diffs = check_onnx(wrapper, path, [(1, 3, 64, 64), (2, 3, 60, 44)])
    assert max(diffs.values()) < 1e-4, diffs
    logits = wrapper(torch.rand(1, 3, 60, 44) * 255)
    assert logits.shape == (1, 19, 60, 44) and logits.std() > 0


def test_onnx_argmax_equals_inference_api(tmp_path):
    """The graph's preprocessing is the data preprocessor's: its argmax is the API's
    prediction on an image whose size needs no padding (64x80, a multiple of 16)."""
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)
    file = str(tmp_path / 'image.png')
    Image.fromarray(image).save(file)
    torch.manual_seed(0)
    model = init_model(TINY)
    model.init_weights()
    expected = inference_model(model, file).pred_sem_seg.data[0].numpy()
    path = str(tmp_path / 'unet.onnx')
    export_onnx(model, path, (64, 80))
    session = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    bgr = image[..., ::-1].astype(np.float32).transpose(2, 0, 1)[None].copy()
    logits = session.run(None, {'image': bgr})[0]
    assert len(np.unique(expected)) > 1
    np.testing.assert_array_equal(logits[0].argmax(0), expected)


def test_tool_reports_the_parity_check(tmp_path):
    torch.manual_seed(0)
    model = init_model(TINY)
    model.init_weights()
    checkpoint = str(tmp_path / 'tiny.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    run = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'deployment', 'pytorch2onnx.py'), TINY,
         checkpoint, '--shape', '64', '48', '--dynamic'],
        capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert run.returncode == 0, run.stderr[-3000:]
    assert osp.isfile(str(tmp_path / 'tiny.onnx'))
    lines = [line for line in run.stdout.splitlines() if 'max abs logit difference' in line]
    assert [line.split(':')[0] for line in lines] == [
        'onnxruntime vs PyTorch, input (1, 3, 64, 48)',
        'onnxruntime vs PyTorch, input (2, 3, 80, 32)']
    assert all(float(line.rsplit(' ', 1)[1]) < 1e-4 for line in lines)
    assert run.stdout.rstrip().endswith('Parity check passed.')


@pytest.mark.slow
@pytest.mark.parametrize('config', BASE_MODELS, ids=osp.basename)
def test_every_base_model_exports(config, tmp_path):
    model = _random_model(config)
    path = str(tmp_path / 'model.onnx')
    wrapper = export_onnx(model, path, (64, 64), dynamic=True)
    diffs = check_onnx(wrapper, path, [(1, 3, 64, 64), (2, 3, 96, 32)])
    assert max(diffs.values()) < 1e-4, diffs
