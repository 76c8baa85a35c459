"""MCDropoutFCNHead + CrossDropoutFocalLoss, and every seglab loss inside a real EncoderDecoder."""
import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

NUM_CLASSES = 4
FREQ = [0.6, 0.25, 0.1, 0.05]


@MODELS.register_module(name='_LossTestTinyBackbone', force=True)
class _LossTestTinyBackbone(nn.Module):
    """Two strided convs: a backbone small enough for a unit test."""

    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, channels, 3, 2, 1), nn.ReLU(),
                                  nn.Conv2d(channels, channels, 3, 2, 1), nn.ReLU())

    def forward(self, x):
        return (self.body(x), )


def head_cfg(loss_decode, head='MCDropoutFCNHead', **kw):
    cfg = dict(type=head,
               in_channels=8,
               channels=8,
               num_convs=1,
               concat_input=False,
               dropout_ratio=0.3,
               num_classes=NUM_CLASSES,
               norm_cfg=None,
               align_corners=False,
               loss_decode=loss_decode)
    cfg.update(kw)
    return cfg


def build_model(loss_decode, head='MCDropoutFCNHead', **kw):
    init_default_scope('mmseg')
    return MODELS.build(
        dict(type='EncoderDecoder',
             data_preprocessor=dict(type='SegDataPreProcessor',
                                    mean=[0.0] * 3,
                                    std=[1.0] * 3,
                                    size=(32, 32),
                                    pad_val=0,
                                    seg_pad_val=255),
             backbone=dict(type='_LossTestTinyBackbone'),
             decode_head=head_cfg(loss_decode, head, **kw)))


def make_data(seed=0, n=2, size=32):
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(n):
        label = torch.randint(0, NUM_CLASSES, (1, size, size), generator=g)
        label[:, :3, :] = 255
        s = SegDataSample(gt_sem_seg=PixelData(data=label))
        s.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size), pad_shape=(size, size)))
        samples.append(s)
    inputs = [torch.rand(3, size, size, generator=g) * 255 for _ in range(n)]
    return dict(inputs=inputs, data_samples=samples)


LOSSES = {
    'LogFrequencyCELoss': dict(type='LogFrequencyCELoss', class_frequency=FREQ),
    'BalancedCELoss': dict(type='BalancedCELoss', beta='auto'),
    'SoftmaxFocalLoss': dict(type='SoftmaxFocalLoss', gamma=2.0, alpha=1.0),
    'MultiClassDiceLoss': dict(type='MultiClassDiceLoss'),
    'CombinedLoss': dict(type='CombinedLoss', preset='dice_dominant'),
    'CrossDropoutFocalLoss': dict(type='CrossDropoutFocalLoss'),
}


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_each_loss_trains_an_encoder_decoder(name):
    torch.manual_seed(0)
    model = build_model([LOSSES[name], dict(type='CrossEntropyLoss', loss_weight=0.0)])
    optim = torch.optim.SGD(model.parameters(), lr=0.01)
    from mmengine.optim import OptimWrapper
    before = [p.detach().clone() for p in model.parameters()]
    log_vars = model.train_step(make_data(), OptimWrapper(optim))
    key = 'decode.' + model.decode_head.loss_decode[0].loss_name
    assert key in log_vars and torch.isfinite(torch.as_tensor(log_vars[key]))
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    if name == 'CombinedLoss':
        hub = MessageHub.get_current_instance()
        for term in ('ce', 'dice', 'focal'):
            assert hub.get_scalar(f'train/loss_combined_{term}').current() > 0


def test_cdfl_in_head_matches_loss_with_explicit_samples():
    torch.manual_seed(1)
    model = build_model(dict(type='CrossDropoutFocalLoss', omega=1.0), num_mc_samples=4)
    head = model.decode_head
    data = model.data_preprocessor(make_data(1), True)
    feats = model.extract_feat(data['inputs'])
    seen = {}
    loss_module = head.loss_decode
    original = type(loss_module).forward

    def spy(self, cls_score, label, **kw):
        seen['mc'], seen['align_corners'] = kw['mc_probs'], kw['mc_align_corners']
        seen['logits'], seen['label'] = cls_score.detach(), label
        seen['value'] = original(self, cls_score, label, **kw)
        return seen['value']

    type(loss_module).forward = spy
    try:
        losses = head.loss(feats, data['data_samples'], None)
    finally:
        type(loss_module).forward = original
    mc = seen['mc']
    assert mc.shape == (4, 2, NUM_CLASSES, 8, 8)  # head resolution (stride 4)
    assert seen['align_corners'] is False
    assert torch.allclose(mc.sum(2), torch.ones(()), atol=1e-5)
    assert not mc.requires_grad
    assert not torch.equal(mc[0], mc[1])  # independent dropout masks per sample
    assert torch.equal(losses['loss_cdfl'], seen['value'])
    # omega * DF / CE is logged, under a key that mmseg logs but does not add to the loss.
    ratio = losses['cdfl_df_to_ce']
    assert not ratio.requires_grad and ratio > 0
    ce = nn.functional.cross_entropy(seen['logits'], seen['label'], ignore_index=255)
    # (value - CE) cancels most digits of float32: a loose tolerance, still a real check.
    assert ratio.item() == pytest.approx((seen['value'].item() - ce.item()) / ce.item(), rel=5e-3)
    # Low-resolution samples give the same loss as the same samples resized to the labels.
    from mmseg.models.utils import resize
    seg_logits = torch.randn(2, NUM_CLASSES, 32, 32)
    full = torch.stack([resize(m, size=(32, 32), mode='bilinear', align_corners=False) for m in mc])
    label = torch.stack([s.gt_sem_seg.data for s in data['data_samples']]).squeeze(1)
    low_res = loss_module(seg_logits, label, mc_probs=mc)
    full_res = loss_module(seg_logits, label, mc_probs=full)
    assert low_res.item() == pytest.approx(full_res.item(), rel=1e-6)


def test_mc_head_inference_unchanged_and_extra_passes_only_rerun_cls_seg():
    torch.manual_seed(2)
    model = build_model(dict(type='CrossDropoutFocalLoss'))
    head = model.decode_head
    calls = {'convs': 0, 'conv_seg': 0}
    head.convs.register_forward_hook(lambda *a: calls.__setitem__('convs', calls['convs'] + 1))
    head.conv_seg.register_forward_hook(
        lambda *a: calls.__setitem__('conv_seg', calls['conv_seg'] + 1))
    data = model.data_preprocessor(make_data(2), True)
    model.loss(data['inputs'], data['data_samples'])
    assert calls == {'convs': 1, 'conv_seg': 2}  # main pass + one batched T-sample pass
    model.eval()
    fcn = MODELS.build(head_cfg(dict(type='CrossEntropyLoss'), head='FCNHead')).eval()
    fcn.load_state_dict(head.state_dict())
    feats = model.extract_feat(data['inputs'])
    assert torch.equal(head(feats), fcn(feats))


def test_mc_samples_leave_the_global_random_stream_alone():
    """The Monte-Carlo masks come from the head's own generator, seeded from the run seed."""
    torch.manual_seed(5)
    model = build_model(dict(type='CrossDropoutFocalLoss'))
    feats = model.extract_feat(model.data_preprocessor(make_data(5), True)['inputs'])
    head = model.decode_head
    global_state = torch.get_rng_state()
    first = head._mc_probs(head._forward_feature(feats))
    assert torch.equal(torch.get_rng_state(), global_state)
    # Same run seed -> same samples; the saved state continues the stream.
    saved = head.rng_state_dict()
    second = head._mc_probs(head._forward_feature(feats))
    assert not torch.equal(first, second)
    fresh = build_model(dict(type='CrossDropoutFocalLoss'))
    fresh.load_state_dict(model.state_dict())
    torch.manual_seed(5)
    assert torch.equal(fresh.decode_head._mc_probs(head._forward_feature(feats)), first)
    fresh.decode_head.load_rng_state_dict(saved)
    assert torch.equal(fresh.decode_head._mc_probs(head._forward_feature(feats)), second)
    # Dropout2d semantics: whole channels are zeroed or scaled by 1 / (1 - p).
    gen = torch.Generator().manual_seed(0)
    head._mc_generator, head._mc_pending_state = gen, None
    x = torch.ones(1, 8, 4, 4)
    with torch.no_grad():
        seen = []
        head.conv_seg.register_forward_hook(lambda m, i, o: seen.append(i[0]))
        head._mc_probs(x)
    kept = seen[0][:, :, 0, 0]
    reference = nn.functional.dropout2d(torch.ones(64, 8, 1, 1), 0.3, training=True)
    assert set(kept.unique().tolist()) == set(reference.unique().tolist())
    assert torch.equal(seen[0], kept[:, :, None, None].expand_as(seen[0]))


def test_mc_head_without_dropout_is_an_error():
    with pytest.raises(ValueError, match='dropout_ratio must be > 0'):
        build_model(dict(type='CrossDropoutFocalLoss'), dropout_ratio=0.0)
    with pytest.raises(ValueError, match='T >= 2'):
        build_model(dict(type='CrossDropoutFocalLoss'), num_mc_samples=1)


def test_cdfl_in_plain_fcn_head_names_the_fix():
    model = build_model(dict(type='CrossDropoutFocalLoss'), head='FCNHead')
    data = model.data_preprocessor(make_data(3), True)
    with pytest.raises(RuntimeError, match='MCDropoutFCNHead'):
        model.loss(data['inputs'], data['data_samples'])


def test_mc_head_with_other_losses_skips_sampling():
    model = build_model(dict(type='CrossEntropyLoss'))
    called = []
    model.decode_head._mc_probs = lambda *a: called.append(1)
    data = model.data_preprocessor(make_data(4), True)
    assert 'decode.loss_ce' in model.loss(data['inputs'], data['data_samples'])
    assert called == []
