"""The U-Net decoder without its concatenation: each UpBlock's first conv over ``[up; skip]``
is two convolutions summed (SplitInputConv2d), with the state dict, the initialisation and the
outputs of the concatenating decoder."""
import copy
import io
import os.path as osp

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config
from torch.utils._python_dispatch import TorchDispatchMode

import seglab  # noqa: F401
from mmseg.registry import MODELS
from seglab.models.utils.split_input_conv import SplitInputConv2d
from seglab.benchmark import build_model, count_flops

from helpers import REPO

TINY_PLAIN = osp.join(REPO, 'configs/benchmark/tiny_unet_plain-w8-64x64.py')
HEAD = dict(type='UNetHead', in_channels=[4, 8, 16], channels=4, num_classes=3,
            decoder_channels=[4, 8])


def _old_code(monkeypatch):
    """Build modules as the decoder was before: a plain nn.Conv2d over the concatenation."""
    monkeypatch.setattr(SplitInputConv2d, 'from_conv',
                        classmethod(lambda cls, conv, in_splits: conv))


def _feats(seed=0, memory_format=torch.contiguous_format):
    g = torch.Generator().manual_seed(seed)
    shapes = [(2, 4, 17, 13), (2, 8, 9, 7), (2, 16, 5, 4)]  # odd sizes: resize to the skip
    return [torch.randn(s, generator=g).contiguous(memory_format=memory_format)
            for s in shapes]


@pytest.mark.parametrize('bias', [False, True])
@pytest.mark.parametrize('memory_format', [torch.contiguous_format, torch.channels_last],
                         ids=['nchw', 'nhwc'])
def test_split_conv_equals_the_conv_of_the_concatenation(bias, memory_format):
    torch.manual_seed(0)
    conv = nn.Conv2d(12, 6, 3, padding=1, bias=bias).to(memory_format=memory_format)
    split = SplitInputConv2d.from_conv(conv, [5, 7])
    assert split.weight is conv.weight and split.bias is conv.bias
    a = torch.randn(2, 5, 9, 11).contiguous(memory_format=memory_format).requires_grad_()
    b = torch.randn(2, 7, 9, 11).contiguous(memory_format=memory_format).requires_grad_()
    out = split((a, b))
    # Independent reference: F.conv2d over torch.cat with the full weight.
    ref = F.conv2d(torch.cat([a, b], 1), conv.weight, conv.bias, padding=1)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    g = torch.randn_like(ref)
    got = torch.autograd.grad(out, [a, b, conv.weight], g)
    want = torch.autograd.grad(ref, [a, b, conv.weight], g)
    for x, y in zip(got, want):
        torch.testing.assert_close(x, y, rtol=1e-5, atol=1e-5)
    # A tensor input is the plain conv (the concatenating path).
    assert torch.equal(split(torch.cat([a, b], 1)), conv(torch.cat([a, b], 1)))
    with pytest.raises(ValueError, match=r'parts with \[7, 5\] channels, expected \[5, 7\]'):
        split((b, a))


def test_from_conv_checks_the_channel_split():
    with pytest.raises(ValueError, match=r'in_splits \[4, 4\] do not add up to the conv\'s 12'):
        SplitInputConv2d.from_conv(nn.Conv2d(12, 6, 3), [4, 4])


@pytest.mark.parametrize('head_type', ['UNetHead', 'AttentionUNetHead'])
def test_old_checkpoint_loads_and_gives_the_old_output(monkeypatch, head_type):
    # The decoder as it was (plain conv over torch.cat), from the same seed ...
    with monkeypatch.context() as m:
        _old_code(m)
        torch.manual_seed(0)
        old = MODELS.build(dict(HEAD, type=head_type))
    assert type(old.up_blocks[0][0]) is nn.Conv2d
    torch.manual_seed(0)
    new = MODELS.build(dict(HEAD, type=head_type))
    assert all(isinstance(block[0], SplitInputConv2d) for block in new.up_blocks)
    # ... initialises identically (same random stream) and has the same state dict layout.
    old_state, new_state = old.state_dict(), new.state_dict()
    assert list(old_state) == list(new_state)
    assert all(torch.equal(old_state[k], new_state[k]) for k in old_state)
    # Perturb the weights (a trained checkpoint), save in the old layout, load into the new.
    with torch.no_grad():
        for p in old.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    buffer = io.BytesIO()
    torch.save(old.state_dict(), buffer)
    buffer.seek(0)
    new.load_state_dict(torch.load(buffer, weights_only=True), strict=True)
    old.eval()
    new.eval()
    feats = _feats()
    with torch.no_grad():
        torch.testing.assert_close(new(feats), old(feats), rtol=1e-5, atol=1e-5)
    # concat_input=True is the old computation exactly (runs recorded before reproduce).
    torch.manual_seed(0)
    concat = MODELS.build(dict(HEAD, type=head_type, concat_input=True))
    concat.load_state_dict(old.state_dict())
    concat.eval()
    with torch.no_grad():
        assert torch.equal(concat(feats), old(feats))


class _CatShapes(TorchDispatchMode):
    """Records the shapes of every tensor ``aten::cat`` joins (forward and backward)."""

    def __init__(self):
        super().__init__()
        self.shapes = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func.overloadpacket is torch.ops.aten.cat:
            self.shapes += [list(t.shape) for t in args[0]]
        return func(*args, **(kwargs or {}))


def _cat_inputs(module, feats):
    with _CatShapes() as mode:
        module(feats).sum().backward()
    return mode.shapes


def test_the_default_decoder_concatenates_no_feature_map():
    torch.manual_seed(0)
    head = MODELS.build(HEAD)
    concat = MODELS.build(dict(HEAD, concat_input=True))
    # Only the weight gradients of the split convs are joined (3x3 kernels, a few KiB); no
    # feature map or its gradient (17x13, 9x7, 5x4 here) is.
    shapes = _cat_inputs(head, _feats())
    assert shapes and all(list(shape[-2:]) == [3, 3] for shape in shapes), shapes
    control = _cat_inputs(concat, _feats())  # the concatenating decoder: feature maps
    assert [2, 4, 17, 13] in [list(shape) for shape in control]


def test_channels_last_model_output_equals_the_concatenating_model():
    cfg = Config.fromfile(TINY_PLAIN)
    cfg.merge_from_dict({'model.decode_head.dropout_ratio': 0.0})
    torch.manual_seed(0)
    split = build_model(cfg, shape=(64, 64))
    concat_cfg = copy.deepcopy(cfg)
    concat_cfg.merge_from_dict({'model.decode_head.concat_input': True})
    concat = build_model(concat_cfg, shape=(64, 64))
    concat.load_state_dict(split.state_dict())
    x = torch.randn(2, 3, 64, 64)
    for model in (split, concat):
        model.train()
    loss_split = split(x, mode='tensor').square().mean()
    loss_concat = concat(x, mode='tensor').square().mean()
    torch.testing.assert_close(loss_split, loss_concat, rtol=1e-5, atol=1e-6)
    loss_split.backward()
    loss_concat.backward()
    for (name, a), b in zip(split.named_parameters(), concat.parameters()):
        torch.testing.assert_close(a.grad, b.grad, rtol=1e-3, atol=1e-5, msg=name)
    # The benchmark's FLOP count (traced convolutions) sees the same work.
    assert count_flops(split, (64, 64)) == count_flops(concat, (64, 64))
