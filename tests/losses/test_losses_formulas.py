"""seglab losses against independent numpy re-computations of the papers' formulas."""
import json
import math

import numpy as np
import pytest
import torch

from seglab.losses import (COMBINED_LOSS_PRESETS, BalancedCELoss, CombinedLoss,
                           CrossDropoutFocalLoss, LogFrequencyCELoss, MultiClassDiceLoss,
                           SoftmaxFocalLoss)

C = 4


def make_batch(seed=0, n=2, h=3, w=5, num_ignored=3, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, C, h, w, generator=g, dtype=dtype) * 2
    label = torch.randint(0, C, (n, h, w), generator=g)
    flat = label.view(-1)
    flat[torch.randperm(flat.numel(), generator=g)[:num_ignored]] = 255
    return logits, label


def np_softmax_pixel(logits, n, y, x):
    z = logits[n, :, y, x].astype(np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def pixels(label):
    n, h, w = label.shape
    for a in range(n):
        for b in range(h):
            for c in range(w):
                yield a, b, c, int(label[a, b, c])


# ---------- independent references: explicit loops, one pixel at a time ----------


def ref_log_frequency_ce(logits, label, freq):
    w = [1.0 / math.log(1.02 + f) for f in freq]
    mean_w = sum(w) / len(w)
    total, count = 0.0, 0
    for a, b, c, y in pixels(label):
        if y == 255:
            continue
        p = np_softmax_pixel(logits, a, b, c)
        total += -(w[y] / mean_w) * math.log(p[y])
        count += 1
    return total / count


def ref_balanced_ce(logits, label, beta, background=0):
    if beta == 'auto':
        ys = [y for *_, y in pixels(label) if y != 255]
        beta = sum(1 for y in ys if y == background) / len(ys)
    total, count = 0.0, 0
    for a, b, c, y in pixels(label):
        if y == 255:
            continue
        p = np_softmax_pixel(logits, a, b, c)
        bw = beta if y != background else 1 - beta
        total += -bw * math.log(p[y])
        count += 1
    return total / count


def ref_focal(logits, label, gamma, alpha):
    total, count = 0.0, 0
    for a, b, c, y in pixels(label):
        if y == 255:
            continue
        p = np_softmax_pixel(logits, a, b, c)
        al = alpha[y] if isinstance(alpha, list) else alpha
        total += -al * (1 - p[y])**gamma * math.log(p[y])
        count += 1
    return total / count


def ref_dice(logits, label, smooth, present_only=False):
    inter, psum, ysum = [0.0] * C, [0.0] * C, [0.0] * C
    for a, b, c, y in pixels(label):
        if y == 255:
            continue
        p = np_softmax_pixel(logits, a, b, c)
        for k in range(C):
            inter[k] += p[k] * (y == k)
            psum[k] += p[k]
            ysum[k] += (y == k)
    ds = [
        1 - (2 * inter[k] + smooth) / (psum[k] + ysum[k] + smooth) for k in range(C)
        if not present_only or ysum[k] > 0
    ]
    return sum(ds) / len(ds)


def ref_cdfl(logits, label, mc_probs, omega, gamma, alpha):
    ce, df, count = 0.0, 0.0, 0
    T = mc_probs.shape[0]
    for a, b, c, y in pixels(label):
        if y == 255:
            continue
        p = np_softmax_pixel(logits, a, b, c)
        samples = [float(mc_probs[t, a, y, b, c]) for t in range(T)]
        u = sum(s * s for s in samples) / T - (sum(samples) / T)**2
        ce += -math.log(p[y])
        df += -alpha * u**gamma * math.log(p[y])
        count += 1
    return ce / count + omega * df / count


def make_mc_probs(seed, logits, T=5):
    g = torch.Generator().manual_seed(seed)
    noisy = logits.unsqueeze(0) + torch.randn((T, ) + logits.shape, generator=g, dtype=logits.dtype)
    return noisy.softmax(dim=2)


# ---------- value tests ----------

FREQ = [0.6, 0.25, 0.1, 0.05]


def test_log_frequency_ce_matches_eq_2_to_4():
    logits, label = make_batch(1)
    got = LogFrequencyCELoss(class_frequency=FREQ)(logits, label, ignore_index=255)
    assert got.item() == pytest.approx(ref_log_frequency_ce(logits.numpy(), label.numpy(), FREQ),
                                       rel=1e-5)


def test_log_frequency_ce_normalises_by_valid_pixels_not_weight_sum():
    logits, label = make_batch(2)
    got = LogFrequencyCELoss(class_frequency=FREQ)(logits, label).item()
    w = [1 / math.log(1.02 + f) for f in FREQ]
    w = torch.tensor([x / (sum(w) / len(w)) for x in w])
    torch_weighted_mean = torch.nn.functional.cross_entropy(logits,
                                                            label,
                                                            weight=w,
                                                            ignore_index=255).item()
    assert got != pytest.approx(torch_weighted_mean, rel=1e-3)


def test_log_frequency_ce_reads_class_frequency_json(tmp_path):
    path = tmp_path / 'class_frequency.json'
    path.write_text(
        json.dumps({
            'classes': ['background', 'a', 'b', 'c'],
            'frequency': FREQ,
            'log_weights': [0] * 4,
            'median_frequency_weights': [0] * 4
        }))
    logits, label = make_batch(3)
    from_json = LogFrequencyCELoss(class_frequency=str(path))(logits, label)
    from_list = LogFrequencyCELoss(class_frequency=FREQ)(logits, label)
    assert from_json.item() == pytest.approx(from_list.item(), rel=1e-7)
    path.write_text(json.dumps({'classes': ['x']}))
    with pytest.raises(KeyError, match="no 'frequency'"):
        LogFrequencyCELoss(class_frequency=str(path))
    with pytest.raises(FileNotFoundError, match='class_frequency.py'):
        LogFrequencyCELoss(class_frequency=str(tmp_path / 'missing.json'))


def test_log_frequency_ce_class_count_mismatch_is_clear():
    logits, label = make_batch(3)
    with pytest.raises(ValueError, match='one entry per class'):
        LogFrequencyCELoss(class_frequency=[0.5, 0.5])(logits, label)


def test_mmseg_weighted_ce_crashes_on_255_ours_does_not():
    from mmseg.models.losses import CrossEntropyLoss
    logits, label = make_batch(4)
    with pytest.raises(IndexError):
        CrossEntropyLoss(class_weight=[1.0, 2.0, 3.0, 4.0])(logits, label, ignore_index=255)
    assert torch.isfinite(LogFrequencyCELoss(class_frequency=FREQ)(logits, label))


@pytest.mark.parametrize('beta', [0.3, 0.9, 'auto'])
def test_balanced_ce_matches_eq_1_2(beta):
    logits, label = make_batch(5)
    got = BalancedCELoss(beta=beta)(logits, label)
    assert got.item() == pytest.approx(ref_balanced_ce(logits.numpy(), label.numpy(), beta),
                                       rel=1e-5)


def test_balanced_ce_background_index_and_bad_beta():
    logits, label = make_batch(6)
    got = BalancedCELoss(beta=0.8, background_index=2)(logits, label)
    assert got.item() == pytest.approx(ref_balanced_ce(logits.numpy(),
                                                       label.numpy(),
                                                       0.8,
                                                       background=2),
                                       rel=1e-5)
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        BalancedCELoss(beta=1.5)
    with pytest.raises(ValueError, match='auto'):
        BalancedCELoss(beta='hed')


@pytest.mark.parametrize('gamma,alpha', [(2.0, 1.0), (0.5, 0.25), (2.0, [0.1, 0.2, 0.3, 0.4])])
def test_softmax_focal_matches_eq_3(gamma, alpha):
    logits, label = make_batch(7)
    got = SoftmaxFocalLoss(gamma=gamma, alpha=alpha)(logits, label)
    assert got.item() == pytest.approx(ref_focal(logits.numpy(), label.numpy(), gamma, alpha),
                                       rel=1e-5)


def test_focal_gamma0_alpha1_is_ce_exactly():
    logits, label = make_batch(8)
    ce = torch.nn.functional.cross_entropy(logits, label, ignore_index=255)
    got = SoftmaxFocalLoss(gamma=0.0, alpha=1.0)(logits, label)
    assert got.item() == pytest.approx(ce.item(), rel=1e-6, abs=1e-7)


@pytest.mark.parametrize('present_only', [False, True])
def test_dice_matches_table_1(present_only):
    logits, label = make_batch(9)
    label[label == 3] = 2  # class 3 absent: present_only changes the average
    got = MultiClassDiceLoss(smooth=1e-6, present_only=present_only)(logits, label)
    ref = ref_dice(logits.numpy(), label.numpy(), 1e-6, present_only)
    assert got.item() == pytest.approx(ref, rel=1e-5)


def test_dice_excludes_ignored_pixels():
    logits, label = make_batch(10, num_ignored=0)
    base = MultiClassDiceLoss()(logits, label)
    logits2, label2 = logits.clone(), label.clone()
    logits2[0, :, 0, 0] = torch.tensor([50.0, -50, -50, -50])  # confidently wrong, but ignored
    label2[0, 0, 0] = 255
    with_ignored = MultiClassDiceLoss()(logits2, label2)
    ref = ref_dice(logits2.numpy(), label2.numpy(), 1e-6)
    assert with_ignored.item() == pytest.approx(ref, rel=1e-5)
    assert with_ignored.item() != pytest.approx(base.item(), rel=1e-6)


@pytest.mark.parametrize('preset', sorted(COMBINED_LOSS_PRESETS))
def test_combined_presets_match_eq_1(preset):
    logits, label = make_batch(11)
    wc, wd, wf = COMBINED_LOSS_PRESETS[preset]
    ln, lb = logits.numpy(), label.numpy()
    ref = (wc * ref_focal(ln, lb, 0.0, 1.0) + wd * ref_dice(ln, lb, 1e-6) +
           wf * ref_focal(ln, lb, 2.0, 1.0))
    got = CombinedLoss(preset=preset)(logits, label)
    assert got.item() == pytest.approx(ref, rel=1e-5)


def test_combined_table_2_values_and_ce_only_is_ce():
    assert COMBINED_LOSS_PRESETS == {
        'equal': (1.0, 1.0, 1.0),
        'ce_dominant': (1.0, 0.5, 0.5),
        'dice_dominant': (0.5, 1.0, 0.5),
        'focal_dominant': (0.5, 0.5, 1.0),
        'ce_only': (1.0, 0.0, 0.0),
        'dice_only': (0.0, 1.0, 0.0),
        'focal_only': (0.0, 0.0, 1.0)
    }
    logits, label = make_batch(12)
    ce = torch.nn.functional.cross_entropy(logits, label, ignore_index=255)
    assert CombinedLoss(preset='ce_only')(logits, label).item() == pytest.approx(ce.item(),
                                                                                 rel=1e-6)


def test_combined_unknown_preset_lists_valid_names():
    with pytest.raises(ValueError) as err:
        CombinedLoss(preset='dice_heavy')
    for name in COMBINED_LOSS_PRESETS:
        assert name in str(err.value)


def test_combined_free_weights():
    logits, label = make_batch(13)
    ln, lb = logits.numpy(), label.numpy()
    ref = 0.2 * ref_focal(ln, lb, 0.0, 1.0) + 0.7 * ref_dice(ln, lb, 1e-6) + 0.1 * ref_focal(
        ln, lb, 2.0, 1.0)
    got = CombinedLoss(ce_weight=0.2, dice_weight=0.7, focal_weight=0.1)(logits, label)
    assert got.item() == pytest.approx(ref, rel=1e-5)


def test_combined_logs_each_term_in_message_hub():
    from mmengine.logging import MessageHub
    logits, label = make_batch(14)
    loss = CombinedLoss(preset='dice_dominant', loss_name='loss_combo').train()
    total = loss(logits, label)
    hub = MessageHub.get_current_instance()
    ce = hub.get_scalar('train/loss_combo_ce').current()
    dice = hub.get_scalar('train/loss_combo_dice').current()
    focal = hub.get_scalar('train/loss_combo_focal').current()
    ln, lb = logits.numpy(), label.numpy()
    assert ce == pytest.approx(ref_focal(ln, lb, 0.0, 1.0), rel=1e-5)
    assert dice == pytest.approx(ref_dice(ln, lb, 1e-6), rel=1e-5)
    assert focal == pytest.approx(ref_focal(ln, lb, 2.0, 1.0), rel=1e-5)
    assert total.item() == pytest.approx(0.5 * ce + dice + 0.5 * focal, rel=1e-5)


def test_cdfl_matches_eq_4_to_6():
    logits, label = make_batch(15)
    mc = make_mc_probs(0, logits)
    got = CrossDropoutFocalLoss(omega=0.5, gamma=2.0, alpha=0.75)(logits, label, mc_probs=mc)
    ref = ref_cdfl(logits.numpy(), label.numpy(), mc.numpy(), 0.5, 2.0, 0.75)
    assert got.item() == pytest.approx(ref, rel=1e-5)


def test_cdfl_omega0_is_ce_and_u_has_no_gradient():
    logits, label = make_batch(16)
    mc = make_mc_probs(1, logits)
    ce = torch.nn.functional.cross_entropy(logits, label, ignore_index=255)
    got = CrossDropoutFocalLoss(omega=0.0)(logits, label, mc_probs=mc)
    assert got.item() == pytest.approx(ce.item(), rel=1e-6)
    mc = mc.clone().requires_grad_(True)
    x = logits.clone().requires_grad_(True)
    CrossDropoutFocalLoss(omega=0.5)(x, label, mc_probs=mc).backward()
    assert mc.grad is None and x.grad.abs().sum() > 0


def test_cdfl_errors():
    logits, label = make_batch(17)
    with pytest.raises(RuntimeError, match='MCDropoutFCNHead'):
        CrossDropoutFocalLoss()(logits, label)
    identical = logits.softmax(1).unsqueeze(0).expand(5, -1, -1, -1, -1)
    with pytest.raises(RuntimeError, match='zero variance'):
        CrossDropoutFocalLoss()(logits, label, mc_probs=identical)
    with pytest.raises(ValueError, match=r'\(T, N, C, H, W\)'):
        CrossDropoutFocalLoss()(logits, label, mc_probs=identical[:, :1])


# ---------- generic requirements of every loss ----------


def all_losses():
    return {
        'logfreq': LogFrequencyCELoss(class_frequency=FREQ),
        'balanced': BalancedCELoss(beta='auto'),
        'balanced_fixed': BalancedCELoss(beta=0.7),
        'focal': SoftmaxFocalLoss(gamma=2.0, alpha=[0.5, 1.0, 1.5, 2.0]),
        'dice': MultiClassDiceLoss(),
        'dice_present': MultiClassDiceLoss(present_only=True),
        'combined': CombinedLoss(preset='equal'),
        'cdfl': CrossDropoutFocalLoss(omega=0.5),
    }


def call(name, loss, logits, label, **kw):
    if name == 'cdfl':
        kw['mc_probs'] = make_mc_probs(3, logits.detach().float())
    return loss(logits, label, **kw)


@pytest.mark.parametrize('name', sorted(all_losses()))
def test_all_ignored_batch_gives_zero_loss_and_zero_grad(name):
    loss = all_losses()[name]
    logits, label = make_batch(18)
    label[:] = 255
    x = logits.clone().requires_grad_(True)
    value = call(name, loss, x, label, ignore_index=255)
    value.backward()
    assert value.dim() == 0 and value.item() == 0.0
    assert torch.equal(x.grad, torch.zeros_like(x))


@pytest.mark.parametrize('name', sorted(all_losses()))
def test_ignored_pixels_do_not_matter(name):
    loss = all_losses()[name]
    logits, label = make_batch(19)
    other = logits.clone()
    other[label.unsqueeze(1).expand_as(other) == 255] = 30.0  # change only ignored pixels
    a = call(name, loss, logits, label)
    b = call(name, loss, other, label)
    if name == 'cdfl':  # same mc_probs in both calls
        mc = make_mc_probs(3, logits)
        a, b = loss(logits, label, mc_probs=mc), loss(other, label, mc_probs=mc)
    assert a.item() == pytest.approx(b.item(), rel=1e-6)


@pytest.mark.parametrize('name', sorted(all_losses()))
def test_gradcheck_float64(name):
    loss = all_losses()[name]
    logits, label = make_batch(20, n=1, h=2, w=3, num_ignored=1, dtype=torch.float64)
    mc = make_mc_probs(4, logits)
    x = logits.clone().requires_grad_(True)

    def f(inp):
        # Losses compute in float32 by design (AMP); gradcheck the float64 graph
        # by patching the cast for this check only.
        kw = {'mc_probs': mc} if name == 'cdfl' else {}
        return loss(inp, label, **kw)

    import seglab.losses.utils as U
    orig = U.prepare_inputs

    def prepare64(cls_score, label, ignore_index):
        logits32, safe, valid = orig(cls_score, label, ignore_index)
        return cls_score, safe, valid

    # Every loss (CombinedLoss's terms too) prepares its inputs in PixelLossBase.forward.
    try:
        U.prepare_inputs = prepare64
        assert torch.autograd.gradcheck(f, (x, ), eps=1e-6, atol=1e-5)
    finally:
        U.prepare_inputs = orig


@pytest.mark.parametrize('name', sorted(all_losses()))
def test_loss_weight_and_half_input(name):
    logits, label = make_batch(21)
    base = call(name, all_losses()[name], logits, label)
    loss = all_losses()[name]
    loss.loss_weight = 2.5
    assert call(name, loss, logits, label).item() == pytest.approx(2.5 * base.item(), rel=1e-6)
    half = call(name, all_losses()[name], logits.half(), label)
    assert half.dtype == torch.float32
    assert half.item() == pytest.approx(call(name,
                                             all_losses()[name],
                                             logits.half().float(), label).item(),
                                        rel=1e-6)
    assert all_losses()[name].loss_name.startswith('loss_')


def test_loss_name_must_start_with_loss_():
    with pytest.raises(ValueError, match="start with 'loss_'"):
        SoftmaxFocalLoss(loss_name='focal')


@pytest.mark.parametrize('align_corners', [False, True])
@pytest.mark.parametrize('sizes', [(8, 8, 32, 32), (3, 5, 10, 7), (4, 4, 4, 4)])
def test_cdfl_low_resolution_samples_equal_resized_samples(align_corners, sizes):
    from seglab.losses.cross_dropout_focal_loss import gather_class_upsampled
    h, w, out_h, out_w = sizes
    g = torch.Generator().manual_seed(22)
    probs = torch.rand(3, 2, C, h, w, generator=g)
    label = torch.randint(0, C, (2, out_h, out_w), generator=g)
    got = gather_class_upsampled(probs, label, align_corners)
    for t in range(3):
        full = torch.nn.functional.interpolate(probs[t], (out_h, out_w),
                                               mode='bilinear',
                                               align_corners=align_corners)
        for a, b, c, y in pixels(label.numpy()):
            assert got[t, a, b, c].item() == pytest.approx(full[a, y, b, c].item(), abs=1e-6)


def test_combined_terms_reach_mmengine_log_processor():
    import types

    from mmengine.logging import MessageHub
    from mmengine.runner import LogProcessor
    logits, label = make_batch(23)
    CombinedLoss(preset='equal', loss_name='loss_terms').train()(logits, label)
    runner = types.SimpleNamespace(message_hub=MessageHub.get_current_instance())
    tags = LogProcessor()._collect_scalars([], runner, 'train')
    for term in ('ce', 'dice', 'focal'):
        assert f'loss_terms_{term}' in tags
    # eval mode: nothing logged (validation must not overwrite training scalars)
    CombinedLoss(preset='equal', loss_name='loss_evalonly').eval()(logits, label)
    tags = LogProcessor()._collect_scalars([], runner, 'train')
    assert 'loss_evalonly_ce' not in tags


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
@pytest.mark.parametrize('name', sorted(all_losses()))
def test_cuda_autocast_matches_cpu(name):
    logits, label = make_batch(24)
    cpu = call(name, all_losses()[name], logits, label)
    with torch.autocast('cuda', dtype=torch.float16):
        kw = {'mc_probs': make_mc_probs(3, logits).cuda()} if name == 'cdfl' else {}
        gpu = all_losses()[name].cuda()(logits.cuda(), label.cuda(), **kw)
    assert gpu.dtype == torch.float32
    assert gpu.item() == pytest.approx(cpu.item(), rel=1e-4)
