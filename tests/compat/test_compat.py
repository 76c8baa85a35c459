"""seglab.compat: mmseg importable on mmcv-lite, ops faithful to mmcv, missing ops explained."""
import importlib
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import seglab  # noqa: F401
from seglab.compat import mmcv_ops

needs_fallback = pytest.mark.skipif(
    mmcv_ops.has_compiled_mmcv_ops(), reason='a full mmcv is installed; no stand-in in use')


def test_mmseg_models_import_after_seglab():
    models = importlib.import_module('mmseg.models')
    assert hasattr(models, 'EncoderDecoder')
    from mmseg.registry import MODELS
    assert MODELS.get('PointHead') is not None  # point_head imports mmcv.ops.point_sample


@needs_fallback
def test_stand_in_is_registered_as_mmcv_ops():
    import mmcv
    assert sys.modules['mmcv.ops'] is mmcv.ops
    assert getattr(mmcv.ops, mmcv_ops.FALLBACK_FLAG)


def test_point_sample_matches_grid_sample_reference():
    from mmcv.ops import point_sample
    torch.manual_seed(0)
    feats = torch.randn(2, 3, 7, 9)
    points = torch.rand(2, 11, 2)
    for align_corners in (False, True):
        out = point_sample(feats, points, align_corners=align_corners)
        # Reference: map [0, 1] to [-1, 1] by hand and sample a (N, P, 1, 2) grid.
        grid = (2 * points - 1).unsqueeze(2)
        ref = F.grid_sample(feats, grid, align_corners=align_corners)[..., 0]
        assert out.shape == (2, 3, 11)
        torch.testing.assert_close(out, ref)
    grid_points = torch.rand(2, 4, 5, 2)
    assert point_sample(feats, grid_points).shape == (2, 3, 4, 5)


def test_point_sample_hits_pixel_centres_exactly():
    from mmcv.ops import point_sample
    feats = torch.arange(12.).view(1, 1, 3, 4)
    # With align_corners=False the centre of pixel (row r, col c) is ((c+.5)/W, (r+.5)/H).
    points = torch.tensor([[[(2 + .5) / 4, (1 + .5) / 3], [(0 + .5) / 4, (2 + .5) / 3]]])
    assert point_sample(feats, points).flatten().tolist() == [6.0, 8.0]


def _focal_reference(logits, target, gamma, alpha, weight):
    """Explicit per-element loop of the sigmoid focal loss formula (mmcv's CUDA kernel)."""
    n, c = logits.shape
    out = np.zeros((n, c))
    for i in range(n):
        for j in range(c):
            p = 1 / (1 + np.exp(-logits[i, j]))
            if target[i] == j:
                out[i, j] = -alpha * (1 - p)**gamma * np.log(p)
            else:
                out[i, j] = -(1 - alpha) * p**gamma * np.log(1 - p)
            if weight is not None and target[i] < c:
                out[i, j] *= weight[target[i]]
    return out


@pytest.mark.parametrize('gamma,alpha', [(2.0, 0.25), (0.0, 0.5), (1.5, 0.75)])
def test_sigmoid_focal_loss_matches_formula(gamma, alpha):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 4))
    target = np.array([0, 3, 1, 4, 2, 0])  # 4 == num_classes: all negatives
    weight = rng.uniform(0.5, 2, size=4)
    for w in (None, weight):
        out = mmcv_ops.sigmoid_focal_loss(
            torch.tensor(logits), torch.tensor(target), gamma, alpha,
            None if w is None else torch.tensor(w), 'none')
        ref = _focal_reference(logits, target, gamma, alpha, w)
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10)
    mean = mmcv_ops.sigmoid_focal_loss(torch.tensor(logits), torch.tensor(target), gamma, alpha)
    np.testing.assert_allclose(mean.item(), ref.sum() / 6 if w is None else
                               _focal_reference(logits, target, gamma, alpha, None).sum() / 6)


def test_sigmoid_focal_loss_gradient():
    logits = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    target = torch.tensor([0, 1, 2, 3, 1])
    assert torch.autograd.gradcheck(
        lambda x: mmcv_ops.sigmoid_focal_loss(x, target, 2.0, 0.25), (logits, ))


@needs_fallback
def test_mmseg_focal_loss_is_bound_to_the_stand_in():
    # mmseg calls this op for CUDA tensors; on CPU it takes its own Python path.
    from mmseg.models.losses import focal_loss
    assert focal_loss._sigmoid_focal_loss is mmcv_ops.sigmoid_focal_loss


@needs_fallback
def test_missing_op_names_itself_and_the_fix():
    with pytest.raises(ModuleNotFoundError, match=r'mmcv\.ops\.RoIAlign.*full mmcv'):
        from mmcv.ops import RoIAlign  # noqa: F401
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module('mmcv.ops.deform_conv')
    import mmcv
    assert not hasattr(mmcv.ops, '__wrapped__')  # dunder probes are plain AttributeErrors


def test_apply_is_idempotent_and_keeps_the_module():
    import mmcv
    before = sys.modules['mmcv.ops']
    seglab.compat.apply()
    mmcv_ops.install_mmcv_ops_fallback()
    assert sys.modules['mmcv.ops'] is before is mmcv.ops
