"""MemoryFormatEncoderDecoder: seglab's models run channels-last by default; outputs,
gradients and checkpoints must be those of mmseg's NCHW EncoderDecoder."""
import copy
import io
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.models.utils import resize
from mmseg.registry import MODELS

from seglab.benchmark import build_model, synthetic_batch

from helpers import BASE_MODELS, REPO

TINY_PLAIN = osp.join(REPO, 'configs/benchmark/tiny_unet_plain-w8-64x64.py')


def _four_d_params(model):
    return [(n, p) for n, p in model.named_parameters() if p.dim() == 4]


def _twin(cfg: Config, memory_format: str, state_dict=None, shape=(64, 64)):
    cfg = copy.deepcopy(cfg)
    cfg.model['memory_format'] = memory_format
    model = build_model(cfg, shape=shape)
    if state_dict is not None:
        model.load_state_dict(state_dict)
    return model


def test_every_seglab_model_config_is_channels_last():
    from mmseg.registry import MODELS
    from seglab.models.segmentors import MemoryFormatEncoderDecoder
    types = {osp.basename(p): Config.fromfile(p).model.get('type') for p in BASE_MODELS}
    assert types and all(issubclass(MODELS.get(t), MemoryFormatEncoderDecoder)
                         for t in types.values()), types


@pytest.mark.parametrize('path', BASE_MODELS, ids=lambda p: osp.basename(p)[:-3])
def test_channels_last_forward_equals_nchw(path):
    cfg = Config.fromfile(path)
    torch.manual_seed(0)
    nhwc = _twin(cfg, 'channels_last')
    params = _four_d_params(nhwc)
    assert params, 'no conv weights to convert'
    for name, p in params:
        assert p.is_contiguous(memory_format=torch.channels_last), name
    nchw = _twin(cfg, 'contiguous', nhwc.state_dict())
    for name, p in _four_d_params(nchw):
        assert p.is_contiguous(), name
    nhwc.eval()
    nchw.eval()
    seen = []
    nhwc.backbone.register_forward_pre_hook(lambda _m, args: seen.append(args[0]))
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        out_nhwc = nhwc(x, mode='tensor')
        out_nchw = nchw(x, mode='tensor')
    # The NCHW batch reaches the backbone converted (extract_feat), not left to the weights.
    assert seen[0].is_contiguous(memory_format=torch.channels_last)
    # The NHWC path really ran: the logits come out channels-last (a conv keeps its input's
    # layout), not NCHW converted back somewhere.
    assert out_nhwc.is_contiguous(memory_format=torch.channels_last)
    assert out_nchw.is_contiguous()
    torch.testing.assert_close(out_nhwc, out_nchw, rtol=1e-4, atol=1e-4)


def test_channels_last_training_step_matches_nchw_and_fp64():
    cfg = Config.fromfile(TINY_PLAIN)
    cfg.merge_from_dict({'model.decode_head.dropout_ratio': 0.0})
    torch.manual_seed(0)
    ref = build_model(cfg, shape=(64, 64)).state_dict()
    data = synthetic_batch(2, (64, 64), 21, seed=2)

    def loss_and_grads(memory_format, dtype):
        model = _twin(cfg, memory_format, ref).to(dtype)
        model.train()
        batch = model.data_preprocessor(data, True)
        loss, _ = model.parse_losses(model.loss(batch['inputs'].to(dtype),
                                                batch['data_samples']))
        loss.backward()
        grads = torch.cat([p.grad.double().flatten() for p in model.parameters()])
        return loss.detach().double(), grads

    loss64, grad64 = loss_and_grads('contiguous', torch.float64)
    loss_nchw, grad_nchw = loss_and_grads('contiguous', torch.float32)
    loss_nhwc, grad_nhwc = loss_and_grads('channels_last', torch.float32)
    torch.testing.assert_close(loss_nhwc, loss64, rtol=1e-5, atol=1e-6)
    # Every parameter's gradient: NHWC no further from the fp64 reference than NCHW fp32 is
    # (the first convs' gradients of a random U-Net are ill-conditioned; both are ~1e-3 off).
    err_nchw = float((grad_nchw - grad64).norm() / grad64.norm())
    err_nhwc = float((grad_nhwc - grad64).norm() / grad64.norm())
    assert err_nhwc <= 3 * err_nchw + 1e-5, (err_nhwc, err_nchw)


def test_checkpoint_loads_into_mmseg_encoder_decoder_and_back():
    cfg = Config.fromfile(TINY_PLAIN)
    torch.manual_seed(0)
    nhwc = _twin(cfg, 'channels_last').eval()
    buffer = io.BytesIO()
    torch.save(nhwc.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)

    plain_cfg = copy.deepcopy(cfg)
    plain_cfg.model['type'] = 'EncoderDecoder'
    plain = build_model(plain_cfg, shape=(64, 64))
    plain.load_state_dict(state, strict=True)
    plain.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(nhwc(x, mode='tensor'), plain(x, mode='tensor'),
                                   rtol=1e-4, atol=1e-4)
    # And an NCHW checkpoint into the channels-last model: copied into its NHWC tensors.
    back = _twin(cfg, 'channels_last', plain.state_dict())
    for name, p in _four_d_params(back):
        assert p.is_contiguous(memory_format=torch.channels_last), name


def test_weights_are_channels_last_at_construction():
    # mmengine wraps the model in DDP before init_weights runs: the layout must be set by then.
    from seglab.benchmark import prepare_model_cfg
    init_default_scope('mmseg')
    model = MODELS.build(prepare_model_cfg(Config.fromfile(TINY_PLAIN)))
    for name, p in _four_d_params(model):
        assert p.is_contiguous(memory_format=torch.channels_last), name


def test_init_weights_keeps_channels_last():
    cfg = Config.fromfile(TINY_PLAIN)
    cfg.model['backbone']['init_cfg'] = dict(type='Kaiming', layer='Conv2d')
    model = _twin(cfg, 'channels_last')  # build_model calls init_weights()
    for name, p in _four_d_params(model):
        assert p.is_contiguous(memory_format=torch.channels_last), name


def test_unknown_memory_format_names_the_field():
    cfg = Config.fromfile(TINY_PLAIN)
    with pytest.raises(ValueError, match=r"nhwc.*model\.memory_format"):
        _twin(cfg, 'nhwc')


LOSSES = [
    dict(type='LogFrequencyCELoss', class_frequency=[0.6, 0.25, 0.1, 0.05]),
    dict(type='BalancedCELoss', beta='auto'),
    dict(type='SoftmaxFocalLoss', gamma=2.0, alpha=1.0),
    dict(type='MultiClassDiceLoss'),
    dict(type='CombinedLoss', preset='dice_dominant'),
    dict(type='CrossDropoutFocalLoss', omega=1.0),
]


@pytest.mark.parametrize('loss_cfg', LOSSES, ids=lambda c: c['type'])
def test_losses_see_the_same_values_in_either_layout(loss_cfg):
    """Channels-last logits reach every seglab loss: value and gradient must not depend on
    the layout (a ``.view`` or flat index that assumed NCHW strides would break this)."""
    init_default_scope('mmseg')
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 16, 12, generator=g)
    label = torch.randint(0, 4, (2, 32, 24), generator=g)
    label[:, :2] = 255
    mc = torch.randn(3 * 2, 4, 16, 12, generator=g).softmax(1)
    values = []
    for memory_format in (torch.contiguous_format, torch.channels_last):
        loss = MODELS.build(copy.deepcopy(loss_cfg))
        score = logits.clone(memory_format=memory_format).requires_grad_(True)
        up = resize(score, size=(32, 24), mode='bilinear', align_corners=False)
        kwargs = dict(ignore_index=255)
        if loss_cfg['type'] == 'CrossDropoutFocalLoss':
            kwargs['mc_probs'] = mc.contiguous(memory_format=memory_format).view(3, 2, 4, 16, 12)
        value = loss(up, label, **kwargs)
        value.backward()
        values.append((value.detach(), score.grad.contiguous()))
    torch.testing.assert_close(values[1][0], values[0][0], rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(values[1][1], values[0][1], rtol=1e-4, atol=1e-6)
