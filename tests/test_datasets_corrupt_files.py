"""Corrupt or truncated images and masks: named in the error, or skipped with a count."""
import shutil

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS
from seglab.datasets.transforms import checked_loading
from seglab.datasets.transforms.checked_loading import describe_corruption

init_default_scope('mmseg')


def _dataset(root, skip=False):
    return DATASETS.build(dict(
        type='PascalVOCDataset', data_root=str(root),
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
        ann_file='ImageSets/Segmentation/train.txt',
        pipeline=[dict(type='CheckedLoadImageFromFile', skip_corrupt=skip),
                  dict(type='CheckedLoadAnnotations', skip_corrupt=skip)]))


@pytest.fixture
def voc_copy(synthetic_voc_root, tmp_path):
    root = tmp_path / 'voc'
    shutil.copytree(synthetic_voc_root, root)
    first = (root / 'ImageSets/Segmentation/train.txt').read_text().split()[0]
    return root, first


def test_describe_corruption_on_real_bytes(voc_copy):
    root, first = voc_copy
    jpg = (root / 'JPEGImages' / f'{first}.jpg').read_bytes()
    png = (root / 'SegmentationClass' / f'{first}.png').read_bytes()
    assert describe_corruption(jpg) is None and describe_corruption(png) is None
    assert 'truncated JPEG' in describe_corruption(jpg[:len(jpg) // 2])
    assert 'truncated PNG' in describe_corruption(png[:len(png) // 2])
    assert describe_corruption(b'') == 'is empty'


@pytest.mark.parametrize('which', ['image', 'mask'])
def test_truncated_file_is_named(voc_copy, which):
    root, first = voc_copy
    path = (root / 'JPEGImages' / f'{first}.jpg' if which == 'image' else
            root / 'SegmentationClass' / f'{first}.png')
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    ds = _dataset(root)
    index = [i for i in range(len(ds)) if first in ds.get_data_info(i)['img_path']][0]
    with pytest.raises(OSError, match=rf'{first}\.(jpg|png) is a truncated .*skip_corrupt=True'):
        ds[index]


def test_skip_corrupt_warns_counts_and_draws_another_sample(voc_copy):
    root, first = voc_copy
    (root / 'JPEGImages' / f'{first}.jpg').write_bytes(b'\xff\xd8 not really a jpeg')
    ds = _dataset(root, skip=True)
    index = [i for i in range(len(ds)) if first in ds.get_data_info(i)['img_path']][0]
    before = checked_loading.skipped_count()
    np.random.seed(0)
    sample = ds[index]  # training mode: mmengine refetches a random other index
    assert first not in sample['img_path'] and sample['img'].ndim == 3
    assert checked_loading.skipped_count() >= before + 1
