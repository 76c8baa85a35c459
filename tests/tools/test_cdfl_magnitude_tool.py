"""tools/analysis_tools/cdfl_magnitude.py: its per-batch numbers against independent formulas."""

import pytest
import torch
import torch.nn.functional as F

from seglab.losses import CrossDropoutFocalLoss

from helpers import load_tool


def _tool():
    return load_tool('tools/analysis_tools/cdfl_magnitude.py', 'cdfl_magnitude')


def _batch(seed=0, n=2, c=4, h=6, w=5, t=3):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, c, h, w, generator=g)
    label = torch.randint(0, c, (n, h, w), generator=g)
    label[:, 0, :] = 255
    mc = torch.randn(t, n, c, h, w, generator=g).softmax(2)
    return logits, label, mc


@pytest.mark.parametrize('gamma', [2.0, 0.5])
def test_measure_matches_independent_formulas(gamma):
    logits, label, mc = _batch()
    loss = CrossDropoutFocalLoss(omega=0.3, gamma=gamma, alpha=0.75)
    row = _tool().measure(loss, logits, label, mc, False, [gamma])
    valid = label != 255
    x = logits.clone().requires_grad_(True)
    ce = F.cross_entropy(x, label, ignore_index=255)
    safe = label.clamp(max=3)
    p_gt = mc.gather(2, safe.unsqueeze(0).unsqueeze(2).expand(3, -1, 1, -1, -1)).squeeze(2)
    u = p_gt.var(0, unbiased=False)  # eq. 4, the population variance over the T passes
    log_p = F.log_softmax(x, 1).gather(1, safe.unsqueeze(1)).squeeze(1)
    df = (-0.75 * u.pow(gamma) * log_p)[valid].mean()
    g_ce, = torch.autograd.grad(ce, x, retain_graph=True)
    g_df, = torch.autograd.grad(df, x)
    assert row['ce'] == pytest.approx(ce.item(), rel=1e-6)
    assert row['u_max'] == pytest.approx(u[valid].max().item(), rel=1e-5)
    assert row[f'omega_df_over_ce_g{gamma:g}'] == pytest.approx(0.3 * df.item() / ce.item(),
                                                                 rel=1e-5)
    ratio = (g_df.norm() / g_ce.norm()).item()
    assert row[f'grad_ratio_g{gamma:g}'] == pytest.approx(ratio, rel=1e-5)
    assert row[f'omega_1pct_g{gamma:g}'] == pytest.approx(0.01 / ratio, rel=1e-5)
    # The ratio the loss logs during training is the same number.
    log_vars = {}
    loss(logits, label, mc_probs=mc, log_vars=log_vars)
    assert log_vars['cdfl_df_to_ce'].item() == pytest.approx(
        row[f'omega_df_over_ce_g{gamma:g}'], rel=1e-5)
    assert row['grad_bit_identical_to_ce'] is False  # omega = 0.3 changes the gradient


def test_bit_identical_flag_is_true_when_df_vanishes():
    logits, label, mc = _batch(1)
    row = _tool().measure(CrossDropoutFocalLoss(omega=0.0), logits, label, mc, False, [2.0])
    assert row['grad_bit_identical_to_ce'] is True
