"""U-Net family: UNetHead (study 000 eq. 1), PlainUNetEncoder, ResNetStemEncoder,
AttentionUNetHead, LightUpsampleHead and their ``_base_/models`` configs."""
import copy
import math
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmseg.registry import MODELS

from helpers import REPO, TINY_BASE_MODELS, merge_into

NUM_CLASSES = 3


def _build(name: str, tiny: bool = True):
    init_default_scope('mmseg')
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'models', f'{name}.py'))
    model_cfg = copy.deepcopy(cfg.model)
    if tiny:
        merge_into(model_cfg, TINY_BASE_MODELS.get(name, {}))
    model_cfg.decode_head.num_classes = NUM_CLASSES
    torch.manual_seed(0)
    return MODELS.build(model_cfg)


def test_unet_head_matches_eq1_computed_by_hand():
    """D_out = Psi(Concat(Upsample(D_in), E_skip)) with functional ops and the head's weights."""
    init_default_scope('mmseg')
    torch.manual_seed(0)
    head = MODELS.build(dict(type='UNetHead', in_channels=[4, 6, 8], channels=5,
                             decoder_channels=[5, 7], num_classes=3, dropout_ratio=0.0))
    for m in head.modules():  # non-trivial BN statistics
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    head.eval()
    feats = (torch.randn(2, 4, 13, 17), torch.randn(2, 6, 7, 9), torch.randn(2, 8, 3, 4))

    def psi(x, block):
        for i in (0, 3):
            conv, bn = block[i], block[i + 1]
            assert conv.bias is None, 'no conv bias before BN'
            x = F.conv2d(x, conv.weight, padding=1)
            x = (x - bn.running_mean[:, None, None]) / torch.sqrt(
                bn.running_var[:, None, None] + bn.eps)
            x = torch.relu(x * bn.weight[:, None, None] + bn.bias[:, None, None])
        return x

    def up(x, ref):
        return F.interpolate(x, size=ref.shape[-2:], mode='bilinear', align_corners=False)

    d = psi(torch.cat([up(feats[2], feats[1]), feats[1]], 1), head.up_blocks[1])
    d = psi(torch.cat([up(d, feats[0]), feats[0]], 1), head.up_blocks[0])
    expected = F.conv2d(d, head.conv_seg.weight, head.conv_seg.bias)
    with torch.no_grad():
        got = head(feats)
    assert got.shape == (2, 3, 13, 17)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


def test_unet_head_rejects_inconsistent_channels():
    init_default_scope('mmseg')
    with pytest.raises(ValueError, match='decoder_channels'):
        MODELS.build(dict(type='UNetHead', in_channels=[4, 8, 16], channels=4,
                          decoder_channels=[8, 8], num_classes=2, out_channels=2))
    with pytest.raises(ValueError, match='in_channels must list'):
        MODELS.build(dict(type='UNetHead', in_channels=16, channels=4, num_classes=2,
                          out_channels=2))


def test_plain_encoder_levels_default_init_and_small_input_error():
    from seglab.models.backbones import PlainUNetEncoder
    torch.manual_seed(0)
    enc = PlainUNetEncoder(base_channels=4)
    outs = enc(torch.randn(1, 3, 37, 50))
    # 2x2 max-pool floors: 37x50 -> 18x25 -> 9x12 -> 4x6 -> 2x3
    assert [tuple(o.shape[1:]) for o in outs] == [(4, 37, 50), (8, 18, 25), (16, 9, 12),
                                                 (32, 4, 6), (64, 2, 3)]
    assert enc.out_channels == [4, 8, 16, 32, 64]
    # PyTorch default conv init: kaiming_uniform(a=sqrt(5)) -> U(-1/sqrt(fan_in), +...)
    conv = enc.stages[2][0]
    bound = 1 / math.sqrt(conv.weight[0].numel())
    assert conv.bias is None
    assert 0.9 * bound < conv.weight.abs().max() <= bound
    with pytest.raises(ValueError, match='at least 16x16'):
        enc(torch.randn(1, 3, 15, 64))


def test_plain_unet_width64_parameter_count():
    """Study 000 §3.1 at width 64: ~31 M parameters (31,386,003 with 19 classes)."""
    model = _build('unet', tiny=False)
    n = sum(p.numel() for p in model.parameters())
    # encoder: sum of two 3x3 convs + BN per stage; decoder: UpBlocks; classifier 64 -> 3
    widths = [64, 128, 256, 512, 1024]
    enc = sum(9 * cin * c + 9 * c * c + 4 * c for cin, c in zip([3] + widths[:-1], widths))
    dec = sum(9 * (widths[i + 1] + widths[i]) * widths[i] + 9 * widths[i]**2 + 4 * widths[i]
              for i in range(4))
    assert n == enc + dec + 64 * NUM_CLASSES + NUM_CLASSES
    assert 30.5e6 < n < 31.5e6


def _torchvision_resnet18_file(tmp_path):
    torchvision = pytest.importorskip('torchvision')
    torch.manual_seed(1)
    tv = torchvision.models.resnet18()
    for m in tv.modules():  # distinguishable BN statistics
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    path = str(tmp_path / 'resnet18_torchvision.pth')
    torch.save(tv.state_dict(), path)
    return tv.eval(), path


def test_resnet_stem_encoder_loads_torchvision_checkpoint(tmp_path):
    tv, path = _torchvision_resnet18_file(tmp_path)
    init_default_scope('mmseg')
    enc = MODELS.build(dict(type='ResNetStemEncoder', depth=18,
                            init_cfg=dict(type='Pretrained', checkpoint=path)))
    ckpt = torch.load(path, weights_only=True)
    own = enc.state_dict()
    assert set(own) - set(ckpt) == set(), 'no missing encoder key'
    assert set(ckpt) - set(own) == {'fc.weight', 'fc.bias'}
    enc.init_weights()
    for key, value in own.items():
        assert torch.equal(value, ckpt[key]), key
    enc.eval()
    x = torch.randn(1, 3, 67, 45)
    with torch.no_grad():
        outs = enc(x)
        stem = tv.relu(tv.bn1(tv.conv1(x)))
        s1 = tv.layer1(tv.maxpool(stem))
        s4 = tv.layer4(tv.layer3(tv.layer2(s1)))
    assert enc.out_channels == (64, 64, 128, 256, 512)
    assert [o.shape[1] for o in outs] == list(enc.out_channels)
    torch.testing.assert_close(outs[0], stem)
    torch.testing.assert_close(outs[1], s1)
    torch.testing.assert_close(outs[4], s4)


def test_resnet_stem_encoder_options():
    init_default_scope('mmseg')
    enc = MODELS.build(dict(type='ResNetStemEncoder', depth=50, frozen_stages=1,
                            norm_eval=True, init_cfg=None))
    assert enc.out_channels == (64, 256, 512, 1024, 2048)
    enc.train()
    assert not any(p.requires_grad for p in enc.conv1.parameters())
    assert not any(p.requires_grad for p in enc.layer1.parameters())
    assert all(p.requires_grad for p in enc.layer2.parameters())
    assert not enc.bn1.training and not enc.layer3[0].bn1.training
    with pytest.raises(ValueError, match='deep_stem'):
        MODELS.build(dict(type='ResNetStemEncoder', depth=18, deep_stem=True))


def test_attention_gates_keep_shapes_and_lie_in_unit_interval():
    from seglab.models.decode_heads.attention_unet_head import AdditiveAttentionGate
    torch.manual_seed(0)
    gate = AdditiveAttentionGate(gate_channels=12, skip_channels=6, inter_channels=3).eval()
    g, x = torch.randn(2, 12, 9, 11) * 5, torch.randn(2, 6, 9, 11) * 5
    with torch.no_grad():
        alpha = gate.coefficients(g, x)
        out = gate(g, x)
    assert alpha.shape == (2, 1, 9, 11) and out.shape == x.shape
    assert alpha.min() >= 0 and alpha.max() <= 1 and alpha.std() > 0

    def proj(seq, t):  # 1x1 conv + eval BN, by hand
        conv, bn = seq[0], seq[1]
        y = torch.einsum('oi,nihw->nohw', conv.weight[:, :, 0, 0], t)
        return ((y - bn.running_mean[:, None, None]) / torch.sqrt(bn.running_var + bn.eps)
                [:, None, None]) * bn.weight[:, None, None] + bn.bias[:, None, None]

    expected_alpha = torch.sigmoid(
        proj(gate.psi, torch.relu(proj(gate.gate_proj, g) + proj(gate.skip_proj, x))))
    torch.testing.assert_close(out, x * expected_alpha, rtol=1e-4, atol=1e-5)

    # In the head, every skip goes through its gate (hooks see each gate once).
    init_default_scope('mmseg')
    head = MODELS.build(dict(type='AttentionUNetHead', in_channels=[4, 8, 16], channels=4,
                             num_classes=2, out_channels=2)).eval()
    seen = []
    for level, gate in enumerate(head.gates):
        gate.register_forward_hook(
            lambda m, inp, out, level=level: seen.append((level, inp[1].shape == out.shape)))
    with torch.no_grad():
        head((torch.randn(1, 4, 16, 16), torch.randn(1, 8, 8, 8), torch.randn(1, 16, 4, 4)))
    assert sorted(seen) == [(0, True), (1, True)]


def test_light_upsample_head_is_study_002_decoder():
    init_default_scope('mmseg')
    head = MODELS.build(dict(type='LightUpsampleHead', in_channels=20, num_classes=5,
                             norm_cfg=None))
    convs = [m for m in head.blocks.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [
        (20, 256, (3, 3)), (256, 128, (3, 3)), (128, 64, (3, 3)), (64, 32, (3, 3))]
    out = head((torch.randn(1, 20, 3, 5), ))
    assert out.shape == (1, 5, 96, 160)  # 4 blocks + final upsample: x32
    assert head(torch.randn(1, 20, 3, 5)).shape == (1, 5, 96, 160)  # bare tensor input
    with pytest.raises(ValueError, match='block_channels'):
        MODELS.build(dict(type='LightUpsampleHead', in_channels=20, channels=16,
                          num_classes=5))


def test_model_complexity_tool_counts_conv_macs(tmp_path):
    """tools/analysis_tools/model_complexity.py: params of the built model, and FLOPs at least
    the 3x3/1x1 conv multiply-adds computed by hand (plus BN/ReLU/pool elementwise terms)."""
    sys_path = osp.join(REPO, 'tools', 'analysis_tools')
    import sys
    sys.path.insert(0, sys_path)
    try:
        import model_complexity
    finally:
        sys.path.remove(sys_path)
    cfg = osp.join(REPO, 'configs', '_base_', 'models', 'unet.py')
    row = model_complexity.measure(
        cfg, shape=(64, 64), num_classes=NUM_CLASSES,
        cfg_options={'model.backbone.base_channels': 8,
                     'model.decode_head.in_channels': [8, 16, 32, 64, 128],
                     'model.decode_head.channels': 8})
    widths, size = [8, 16, 32, 64, 128], [64 * 64 // 4**i for i in range(5)]
    macs = sum(9 * hw * c * (cin + c) for cin, c, hw in zip([3] + widths[:-1], widths, size))
    macs += sum(9 * size[i] * widths[i] * (widths[i + 1] + 2 * widths[i]) for i in range(4))
    macs += size[0] * 8 * NUM_CLASSES
    assert row['params'] == sum(p.numel() for p in _build('unet').parameters())
    assert macs <= row['flops'] <= 1.05 * macs
    table = model_complexity.to_markdown([row], (64, 64))
    assert '| PlainUNetEncoder | UNetHead | 3 |' in table
