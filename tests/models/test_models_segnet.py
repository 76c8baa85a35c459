"""SegNet encoder/decoder and study 001's SegNet-residual: unpooling, shapes, sizes, configs."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from seglab.models.utils import PooledFeature

from helpers import build_model_from, seg_batch

NUM_CLASSES = 3


def _build(name: str, **head):
    return build_model_from(osp.join('configs', '_base_', 'models', f'{name}.py'),
                            num_classes=NUM_CLASSES, **head)


def _unpool_reference(x: np.ndarray, y: np.ndarray, k: int = 2) -> np.ndarray:
    """Independent max-unpool: for every (ceil-mode) window of ``x`` find its maximum with
    numpy and put the matching value of ``y`` there; zeros elsewhere."""
    n, c, h, w = x.shape
    out = np.zeros_like(x)
    for b in range(n):
        for ch in range(c):
            for i in range(y.shape[2]):
                for j in range(y.shape[3]):
                    win = x[b, ch, i * k:min(i * k + k, h), j * k:min(j * k + k, w)]
                    di, dj = np.unravel_index(np.argmax(win), win.shape)
                    out[b, ch, i * k + di, j * k + dj] = y[b, ch, i, j]
    return out


@pytest.mark.parametrize('size', [(6, 8), (5, 7)])
def test_unpool_puts_each_value_where_its_maximum_came_from(size):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, *size, generator=gen)  # continuous: no ties
    pooled, idx = F.max_pool2d(x, 2, 2, ceil_mode=True, return_indices=True)
    stage = PooledFeature(x, pooled, idx)
    y = torch.randn(pooled.shape, generator=gen)  # values unrelated to x
    got = stage.unpool(y)
    assert got.shape == x.shape
    np.testing.assert_array_equal(got.numpy(), _unpool_reference(x.numpy(), y.numpy()))
    assert int((got != 0).sum()) == y.numel()  # zeros everywhere else


def test_unpool_shape_mismatch_names_the_fix():
    x = torch.randn(1, 4, 8, 8)
    pooled, idx = F.max_pool2d(x, 2, 2, return_indices=True)
    with pytest.raises(ValueError, match='channel count of the encoder stage'):
        PooledFeature(x, pooled, idx).unpool(torch.randn(1, 2, 4, 4))


def test_encoder_returns_pooled_features_of_study001_sizes():
    """Study 001 §II.B: F1 HxWx64, F2 H/2x128, F3 H/4x256, F4 = pool(F3) H/8x256."""
    enc = MODELS.build(dict(type='SegNetEncoder', arch='vgg16_bn', num_stages=3))
    outs = enc(torch.randn(1, 3, 64, 96))
    assert [type(o) for o in outs] == [PooledFeature] * 3
    assert [tuple(o.features.shape[1:]) for o in outs] == [(64, 64, 96), (128, 32, 48),
                                                           (256, 16, 24)]
    assert tuple(outs[-1].pooled.shape[1:]) == (256, 8, 12)
    for o in outs:  # indices are the pooling's own
        ref, ref_idx = F.max_pool2d(o.features, 2, 2, ceil_mode=True, return_indices=True)
        assert torch.equal(o.indices, ref_idx) and torch.equal(o.pooled, ref)


def test_residual_head_shapes_at_each_stage():
    """The decoder tensors of study 001 §II.B: F'3 H/4x256 -> De 128, F'2 H/2x128 -> De 64,
    Conc(Fuse(.., F1), F1) HxWx128 into the classifier, logits HxW."""
    model = _build('segnet_residual')
    seen = {}

    def keep(name):
        def hook(module, args, out):
            seen[name] = (tuple(args[0].shape[1:]), tuple(out.shape[1:]))
        return hook

    head = model.decode_head
    for k, level in enumerate(head.levels):
        level.register_forward_hook(keep(f'level{k}'))
    head.conv_seg.register_forward_hook(keep('classifier'))
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 64, 64), mode='tensor')
    assert seen['level2'] == ((256, 16, 16), (128, 16, 16))
    assert seen['level1'] == ((128, 32, 32), (64, 32, 32))
    assert seen['level0'] == ((64, 64, 64), (64, 64, 64))
    assert seen['classifier'] == ((128, 64, 64), (NUM_CLASSES, 64, 64))
    assert tuple(out.shape) == (1, NUM_CLASSES, 64, 64)


def test_residual_head_fuses_encoder_features():
    """With every decoder conv replaced by identity, the residual head's classifier input is
    exactly [unpool(unpool(unpool(F4) + F3) + F2) + F1, F1] (independent recomputation)."""
    model = _build('segnet_residual', num_convs=(0, 0, 0), in_channels=(8, 8, 8), channels=8)
    model.backbone = MODELS.build(dict(type='SegNetEncoder', arch=dict(
        stage_channels=(8, 8, 8), num_convs=(1, 1, 1), kernel_size=3)))
    captured = {}
    model.decode_head.conv_seg.register_forward_hook(
        lambda m, args, out: captured.setdefault('x', args[0]))
    model.eval()
    x = torch.randn(1, 3, 15, 21)
    with torch.no_grad():
        stages = model.backbone(x)
        model.decode_head(stages)
        f1, f2, f3 = (s.features for s in stages)
        want = stages[2].unpool(stages[2].pooled) + f3
        want = stages[1].unpool(want) + f2
        want = torch.cat([stages[0].unpool(want) + f1, f1], dim=1)
    torch.testing.assert_close(captured['x'], want)


def test_segnet_and_residual_have_the_same_layers():
    """Study 001 compares SegNet and SegNet-residual at the same depth: same parameter names
    and shapes, except the classifier that reads 64 + 64 concatenated channels."""
    plain = _build('segnet').state_dict()
    resid = _build('segnet_residual').state_dict()
    assert plain.keys() == resid.keys()
    differ = [k for k in plain if plain[k].shape != resid[k].shape]
    assert differ == ['decode_head.conv_seg.weight']
    assert resid['decode_head.conv_seg.weight'].shape[1] == 128


def _conv_bn(cin, cout, k):
    return k * k * cin * cout + 2 * cout  # conv without bias (BN follows) + BN affine


def test_parameter_counts_match_segnet():
    # VGG16-BN SegNet: 13 encoder convs, mirrored decoder with a 3x3 classifier (~29.4 M).
    enc = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
           (256, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512)]
    dec = [(512, 512)] * 5 + [(512, 256), (256, 256), (256, 256), (256, 128), (128, 128),
                              (128, 64), (64, 64)]
    want = sum(_conv_bn(a, b, 3) for a, b in enc + dec) + 9 * 64 * NUM_CLASSES + NUM_CLASSES
    got = sum(p.numel() for p in _build('segnet_vgg16').parameters())
    assert got == want
    assert 29.3e6 < got < 29.5e6
    # SegNet-Basic: 4 + 4 7x7 convs of 64 channels, 1x1 classifier (~1.42 M, paper: 1.425 M).
    want = _conv_bn(3, 64, 7) + 7 * _conv_bn(64, 64, 7) + 64 * NUM_CLASSES + NUM_CLASSES
    got = sum(p.numel() for p in _build('segnet_basic').parameters())
    assert got == want
    assert 1.40e6 < got < 1.43e6


def test_segnet_basic_decoder_has_no_relu():
    model = _build('segnet_basic')
    assert not any(isinstance(m, torch.nn.ReLU) for m in model.decode_head.modules())
    assert any(isinstance(m, torch.nn.ReLU) for m in model.backbone.modules())


@pytest.mark.parametrize('name', ['segnet', 'segnet_residual'])
def test_odd_size_whole_slide_and_tta(name):
    """75x101 needs no padding: whole-image, slide inference and flip TTA all return 75x101."""
    from mmseg.models import SegTTAModel
    model = _build(name)
    model.eval()
    inputs, samples = seg_batch(NUM_CLASSES, (75, 101), n=1)
    with torch.no_grad():
        whole = model(inputs, mode='tensor')
        assert tuple(whole.shape) == (1, NUM_CLASSES, 75, 101)
        model.test_cfg = ConfigDict(mode='slide', crop_size=(48, 48), stride=(32, 32))
        (pred, ) = model.predict(inputs, samples)
        assert tuple(pred.seg_logits.data.shape) == (NUM_CLASSES, 75, 101)
        model.test_cfg = ConfigDict(mode='whole')
        img = (torch.rand(3, 75, 101) * 255).to(torch.uint8)
        metas = [dict(img_shape=(75, 101), ori_shape=(75, 101), pad_shape=(75, 101),
                      img_path='x.png', flip=flip, flip_direction='horizontal')
                 for flip in (False, True)]
        data = dict(inputs=[[img], [img.flip(-1)]],
                    data_samples=[[SegDataSample(metainfo=m)] for m in metas])
        (out, ) = SegTTAModel(module=model).test_step(data)
    assert tuple(out.pred_sem_seg.data.shape) == (1, 75, 101)


def test_tiny_and_one_pixel_inputs():
    model = _build('segnet_vgg16')
    model.eval()
    with torch.no_grad():
        for h, w in [(1, 1), (3, 33)]:
            assert tuple(model(torch.randn(1, 3, h, w), mode='tensor').shape) == \
                (1, NUM_CLASSES, h, w)


def test_clear_errors():
    init_default_scope('mmseg')
    head = MODELS.build(dict(type='SegNetHead', in_channels=(8, 8), channels=8,
                             num_convs=(1, 1), num_classes=2))
    with pytest.raises(TypeError, match='SegNetEncoder'):
        head((torch.randn(1, 8, 4, 4), torch.randn(1, 8, 2, 2)))
    with pytest.raises(ValueError, match='same length'):
        MODELS.build(dict(type='SegNetHead', in_channels=(8, 8), channels=8, num_convs=(1, ),
                          num_classes=2))
    with pytest.raises(ValueError, match='num_convs=0'):
        MODELS.build(dict(type='SegNetHead', in_channels=(8, 16), channels=8,
                          num_convs=(1, 0), num_classes=2))
    with pytest.raises(KeyError, match='vgg16_bn'):
        MODELS.build(dict(type='SegNetEncoder', arch='vgg19'))
    with pytest.raises(ValueError, match='num_stages'):
        MODELS.build(dict(type='SegNetEncoder', arch='basic', num_stages=5))


def test_flop_counter_traces_through_pooled_features():
    """mmengine's FLOP counter (jit trace) follows the PooledFeature tuples; its conv count
    matches the formula for SegNet-Basic at 32x32 (one MAC per weight per output pixel)."""
    from mmengine.analysis import get_model_complexity_info

    class TensorMode(torch.nn.Module):

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, x):
            return self.model(x, mode='tensor')

    model = _build('segnet_basic').eval()
    info = get_model_complexity_info(TensorMode(model), inputs=(torch.randn(1, 3, 32, 32), ),
                                     show_table=False, show_arch=False)
    sizes = [32, 16, 8, 4]  # pre-pool size of each stage (= each decoder level's size)
    convs = 49 * 64 * (3 * 32**2 + 64 * sum(s * s for s in sizes[1:]) + 64 * sum(
        s * s for s in sizes))
    classifier = 64 * NUM_CLASSES * 32**2
    assert info['flops'] >= convs + classifier
    assert info['flops'] < 1.02 * (convs + classifier)  # + BN/ReLU/add, no unknown big op
