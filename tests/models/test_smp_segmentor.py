"""SMPSegmentor: registered with seglab's models without importing its optional package, a
clear error without it, and the channels-last option of the benchmark (its memory_format)."""
import copy
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from seglab.benchmark import build_model, synthetic_batch
from seglab.models.segmentors import SMPSegmentor

from helpers import REPO

SMP_CFG = osp.join(REPO, 'configs/benchmark/smp-unet-r50_8cls-256x256.py')


def test_registered_without_importing_smp():
    code = ('import sys, seglab; from mmseg.registry import MODELS; '
            "cls = MODELS.get('SMPSegmentor'); "
            "print(cls.__module__, 'segmentation_models_pytorch' in sys.modules)")
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO, capture_output=True,
                         text=True, timeout=300, check=True).stdout.split()[-2:]
    assert out == ['seglab.models.segmentors.smp_segmentor', 'False']


def test_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, 'segmentation_models_pytorch', None)  # import fails
    with pytest.raises(ImportError, match=r'SMPSegmentor \(model.type\) needs '
                       r'segmentation_models_pytorch: pip install segmentation-models-pytorch'):
        SMPSegmentor(arch='Unet', num_classes=2)


def test_bad_memory_format_names_the_field():
    with pytest.raises(ValueError, match=r"SMPSegmentor: memory_format must be one of "
                       r"\['channels_last', 'contiguous'\], got 'nhwc' "
                       r'\(set model.memory_format\)'):
        SMPSegmentor(memory_format='nhwc')


def test_channels_last_keeps_outputs():
    pytest.importorskip('segmentation_models_pytorch')
    cfg = Config.fromfile(SMP_CFG)
    cfg.merge_from_dict({'model.net_kwargs.encoder_name': 'resnet18'})
    torch.manual_seed(0)
    nchw = build_model(cfg, shape=(64, 64))
    nhwc_cfg = copy.deepcopy(cfg)
    nhwc_cfg.model['memory_format'] = 'channels_last'
    nhwc = build_model(nhwc_cfg, shape=(64, 64))  # init_weights ran: layout kept
    nhwc.load_state_dict(nchw.state_dict())
    convs = [(n, m.weight) for n, m in nhwc.named_modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(w.is_contiguous(memory_format=torch.channels_last) for _, w in convs)
    assert nchw.net.encoder.conv1.weight.is_contiguous()
    seen = []
    nhwc.net.encoder.conv1.register_forward_pre_hook(lambda _m, args: seen.append(
        args[0].is_contiguous(memory_format=torch.channels_last)))
    data = nchw.data_preprocessor(synthetic_batch(2, (64, 64), 8, seed=3), False)
    nchw.eval()
    nhwc.eval()
    with torch.no_grad():
        expected = nchw(data['inputs'], mode='tensor')
        got = nhwc(data['inputs'], mode='tensor')
    assert seen == [True]
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
