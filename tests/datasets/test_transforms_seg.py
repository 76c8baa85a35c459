"""SegRandomResizedCrop and SegColorJitter: geometry shared by image and label, labels intact."""
import numpy as np
import pytest

from seglab.datasets.transforms import SegColorJitter, SegRandomResizedCrop


def _coordinate_sample(h=60, w=80):
    # Image channels and label both encode the pixel position, so any misalignment shows.
    rows, cols = np.mgrid[0:h, 0:w]
    img = np.stack([rows, cols, np.zeros_like(rows)], axis=-1).astype(np.uint8)
    label = (rows * w + cols) % 251
    return dict(img=img, gt_seg_map=label.astype(np.uint8), seg_fields=['gt_seg_map'],
                img_shape=(h, w))


def test_crop_box_follows_scale_and_ratio_ranges():
    t = SegRandomResizedCrop(size=(32, 32), scale=(0.8, 1.0), ratio=(0.9, 1.1))
    np.random.seed(0)
    for _ in range(200):
        top, left, h, w = t.crop_box(300, 400)
        assert 0 <= top <= 300 - h and 0 <= left <= 400 - w
        assert 0.8 * 120000 * 0.97 <= h * w <= 120000  # rounding tolerance
        assert 0.9 / 1.05 <= w / h <= 1.1 * 1.05


def test_fallback_is_a_central_crop_with_clamped_ratio():
    t = SegRandomResizedCrop(size=(8, 8), scale=(1.0, 1.0), ratio=(1.0, 1.0))
    top, left, h, w = t.crop_box(10, 40)  # full area at ratio 1 never fits in 10x40
    assert (h, w) == (10, 10) and (top, left) == (0, 15)


def test_image_and_label_are_cropped_identically():
    t = SegRandomResizedCrop(size=(24, 24), scale=(0.3, 0.6), ratio=(0.75, 1.33))
    for seed in range(5):
        sample = _coordinate_sample()
        np.random.seed(seed)
        top, left, h, w = t.crop_box(60, 80)
        np.random.seed(seed)
        out = t.transform(sample)
        assert out['img'].shape == (24, 24, 3) and out['gt_seg_map'].shape == (24, 24)
        assert out['img_shape'] == (24, 24)
        # Nearest-neighbour label values are original labels from inside the crop box.
        rows, cols = np.mgrid[top:top + h, left:left + w]
        inside = set(((rows * 80 + cols) % 251).ravel().tolist())
        assert set(out['gt_seg_map'].ravel().tolist()) <= inside
        # The image's row/col channels point into the same box as the label.
        assert top - 1 <= out['img'][..., 0].min() and out['img'][..., 0].max() <= top + h
        assert left - 1 <= out['img'][..., 1].min() and out['img'][..., 1].max() <= left + w
        # Corners agree: the label at a corner is the label of the image's coordinates there.
        r, c = int(round(out['img'][0, 0, 0])), int(round(out['img'][0, 0, 1]))
        assert abs(int(out['gt_seg_map'][0, 0]) - (r * 80 + c) % 251) <= 81


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='scale must satisfy'):
        SegRandomResizedCrop(size=(8, 8), scale=(0.9, 0.5))
    with pytest.raises(ValueError, match='brightness must be >= 0'):
        SegColorJitter(brightness=-0.1)


def _gray(img):
    return img[..., 0] * 0.114 + img[..., 1] * 0.587 + img[..., 2] * 0.299


def test_color_jitter_matches_torchvision_formulas_and_leaves_labels():
    rng = np.random.default_rng(0)
    img = rng.integers(30, 220, (16, 16, 3)).astype(np.uint8)
    label = rng.integers(0, 8, (16, 16)).astype(np.uint8)
    t = SegColorJitter(brightness=0.15, contrast=0.15, saturation=0.10)
    np.random.seed(3)
    out = t.transform(dict(img=img.copy(), gt_seg_map=label.copy(), seg_fields=['gt_seg_map']))
    # Replay the draws: three factors, then the order.
    np.random.seed(3)
    fb = np.random.uniform(0.85, 1.15)
    fc = np.random.uniform(0.85, 1.15)
    fs = np.random.uniform(0.90, 1.10)
    order = np.random.permutation(3)
    ref = img.astype(np.float64)
    for k in order:
        if k == 0:
            ref = ref * fb
        elif k == 1:
            m = _gray(ref).mean()
            ref = (ref - m) * fc + m
        else:
            g = _gray(ref)[..., None]
            ref = (ref - g) * fs + g
        ref = np.clip(ref, 0, 255)
    np.testing.assert_allclose(out['img'].astype(float), np.round(ref), atol=1)
    assert out['img'].dtype == np.uint8
    np.testing.assert_array_equal(out['gt_seg_map'], label)
    assert not np.array_equal(out['img'], img)
    assert 0.85 <= fb <= 1.15 and 0.85 <= fc <= 1.15 and 0.9 <= fs <= 1.1
