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


# --------------------------------------------- damaged JPEG data behind an intact end marker
def _scramble_jpeg(path):
    """Overwrite 64 bytes in the middle of the entropy-coded data, keeping the end marker."""
    data = bytearray(path.read_bytes())
    sos = data.index(b'\xff\xda')
    start = sos + 2 + int.from_bytes(data[sos + 2:sos + 4], 'big')
    middle = (start + len(data) - 2) // 2
    data[middle:middle + 64] = bytes((i * 37) % 255 for i in range(64))  # no 0xFF: no marker
    assert data[-2:] == b'\xff\xd9'
    path.write_bytes(bytes(data))


def test_scrambled_jpeg_decodes_silently_without_the_check(voc_copy):
    import cv2
    root, first = voc_copy
    path = root / 'JPEGImages' / f'{first}.jpg'
    _scramble_jpeg(path)
    data = path.read_bytes()
    assert describe_corruption(data) is None  # the end marker is there
    # cv2 returns garbled pixels with no error; libjpeg's warning goes to fd 2.
    with checked_loading.decoder_warnings() as warnings:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.ndim == 3
    assert len(warnings) == 1 and warnings[0].startswith('Corrupt JPEG data')


def test_scrambled_jpeg_is_named(voc_copy):
    root, first = voc_copy
    _scramble_jpeg(root / 'JPEGImages' / f'{first}.jpg')
    ds = _dataset(root)
    index = [i for i in range(len(ds)) if first in ds.get_data_info(i)['img_path']][0]
    with pytest.raises(OSError, match=rf'{first}\.jpg has corrupt JPEG data \(libjpeg: Corrupt '
                       r'JPEG data: \d+ extraneous bytes before marker 0xd9\).*skip_corrupt'):
        ds[index]
    other = next(i for i in range(len(ds)) if i != index)
    assert ds[other]['img'].ndim == 3  # intact JPEGs load as before


def test_scrambled_jpeg_is_skipped_and_counted(voc_copy):
    root, first = voc_copy
    _scramble_jpeg(root / 'JPEGImages' / f'{first}.jpg')
    ds = _dataset(root, skip=True)
    index = [i for i in range(len(ds)) if first in ds.get_data_info(i)['img_path']][0]
    before = checked_loading.skipped_count()
    np.random.seed(0)
    sample = ds[index]
    assert first not in sample['img_path']
    assert checked_loading.skipped_count() >= before + 1


def test_decoder_warnings_pass_other_output_on(capfd):
    import os
    with checked_loading.decoder_warnings() as found:
        os.write(2, b'Corrupt JPEG data: bad Huffman code\nan unrelated C warning\n')
    assert found == ['Corrupt JPEG data: bad Huffman code']
    err = capfd.readouterr().err
    assert 'an unrelated C warning' in err and 'Huffman' not in err


# ------------------------------------------ label range of mmseg's own datasets (num_classes)
def _write_mask_value(path, value):
    from PIL import Image
    with Image.open(path) as mask:
        palette, array = mask.getpalette(), np.array(mask)
    array[:3, :3] = value
    out = Image.fromarray(array, mode='P')
    out.putpalette(palette)
    out.save(path)


def _voc(root, test_mode, num_classes=21, split='train'):
    return DATASETS.build(dict(
        type='PascalVOCDataset', data_root=str(root), test_mode=test_mode,
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
        ann_file=f'ImageSets/Segmentation/{split}.txt',
        pipeline=[dict(type='CheckedLoadImageFromFile'),
                  dict(type='CheckedLoadAnnotations', num_classes=num_classes)]))


@pytest.mark.parametrize('test_mode', [False, True])
def test_label_out_of_range_in_mmseg_dataset_is_named(voc_copy, test_mode):
    root, first = voc_copy
    _write_mask_value(root / 'SegmentationClass' / f'{first}.png', 37)
    ds = _voc(root, test_mode)
    index = [i for i in range(len(ds)) if first in ds.get_data_info(i)['img_path']][0]
    with pytest.raises(ValueError, match=rf'{first}\.png has values \[37\] .*outside the class '
                       r'ids 0-20 \(num_classes=21 of CheckedLoadAnnotations\) and 255'):
        ds[index]
    # 255 (void) and ids below 21 stay valid.
    _write_mask_value(root / 'SegmentationClass' / f'{first}.png', 255)
    assert 255 in np.unique(_voc(root, test_mode)[index]['gt_seg_map'])


def test_test_tool_runner_stops_on_out_of_range_label(voc_copy, tmp_path):
    """What tools/test.py runs: the quickstart smoke config's test loader on such a mask."""
    import os.path as osp
    from mmengine.config import Config
    from mmengine.runner import Runner
    root, _ = voc_copy
    val_first = (root / 'ImageSets/Segmentation/val.txt').read_text().split()[0]
    _write_mask_value(root / 'SegmentationClass' / f'{val_first}.png', 37)
    from helpers import REPO as repo
    cfg = Config.fromfile(osp.join(repo, 'configs/quickstart/unet-w8_1xb2-8it_synthvoc-64x64.py'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = str(root)
    cfg.work_dir = str(tmp_path / 'work')
    with pytest.raises(ValueError, match=rf'{val_first}\.png has values \[37\]'):
        Runner.from_cfg(cfg).test()


def test_loader_num_classes_must_match_the_dataset(voc_copy):
    from seglab.engine.num_classes_check import check_loader_num_classes
    root, _ = voc_copy
    check_loader_num_classes(_voc(root, True), 'test_dataloader.dataset')
    with pytest.raises(ValueError, match=r'test_dataloader.dataset.pipeline\[1\] is '
                       r'CheckedLoadAnnotations\(num_classes=30\) but the dataset '
                       r'PascalVOCDataset has 21 classes.*pipeline.1.num_classes=21'):
        check_loader_num_classes(_voc(root, True, num_classes=30), 'test_dataloader.dataset')


# ---------------------------------------------------- split lists and image folders, any dataset
def _voc_cfg(root, **dataset):
    from mmengine.config import Config
    base = dict(type='PascalVOCDataset', data_root=str(root),
                data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
                ann_file='ImageSets/Segmentation/train.txt', pipeline=[])
    return Config(dict(train_dataloader=dict(dataset=dict(base, **dataset))))


def test_empty_or_missing_split_list_is_named(voc_copy):
    from seglab.utils.split_lists import check_split_lists
    root, _ = voc_copy
    check_split_lists(_voc_cfg(root), ['train_dataloader'])
    (root / 'ImageSets/Segmentation/empty.txt').write_text('\n  \n')
    with pytest.raises(ValueError, match=r'train_dataloader.dataset.ann_file: the split list '
                       r'.*empty.txt is empty: it names no image'):
        check_split_lists(_voc_cfg(root, ann_file='ImageSets/Segmentation/empty.txt'),
                          ['train_dataloader'])
    with pytest.raises(FileNotFoundError, match=r'train_dataloader.dataset.ann_file: the split '
                       r'list .*trian.txt. does not exist'):
        check_split_lists(_voc_cfg(root, ann_file='ImageSets/Segmentation/trian.txt'),
                          ['train_dataloader'])
    # mmseg itself: numpy's words, no file and no field.
    (root / 'ImageSets/Segmentation/empty.txt').write_text('')
    with pytest.raises(ValueError, match='need at least one array to concatenate'):
        _voc(root, False, split='empty')


def test_image_folder_without_images_is_named(voc_copy, tmp_path):
    from seglab.utils.split_lists import check_split_lists
    root, _ = voc_copy
    (root / 'Empty').mkdir()
    cfg = _voc_cfg(root, ann_file='', data_prefix=dict(img_path='Empty', seg_map_path='x'))
    with pytest.raises(ValueError, match=r"data_prefix.img_path: the image folder .*Empty holds "
                       r"no file ending in '.jpg'"):  # PascalVOCDataset's default img_suffix
        check_split_lists(cfg, ['train_dataloader'])
    cfg = _voc_cfg(root, ann_file='', data_prefix=dict(img_path='JPEGImagez'))
    with pytest.raises(FileNotFoundError, match=r"data_prefix.img_path: the image folder "
                       r"'.*JPEGImagez' does not exist"):
        check_split_lists(cfg, ['train_dataloader'])
    check_split_lists(_voc_cfg(root, ann_file='', data_prefix=dict(img_path='JPEGImages')),
                      ['train_dataloader'])


def test_test_tool_names_an_empty_split_list(voc_copy, tmp_path, monkeypatch):
    """tools/test.py, run in this process (its imports are loaded: fast)."""
    import os.path as osp
    import runpy
    import sys
    root, _ = voc_copy
    (root / 'ImageSets/Segmentation/val.txt').write_text('')
    (tmp_path / 'none.pth').write_bytes(b'never loaded: the split is checked first')
    from helpers import REPO as repo
    monkeypatch.setattr(sys, 'argv', [
        'test.py', osp.join(repo, 'configs/quickstart/unet-w8_1xb2-8it_synthvoc-64x64.py'),
        str(tmp_path / 'none.pth'), '--work-dir', str(tmp_path / 'work'), '--cfg-options',
        f'test_dataloader.dataset.data_root={root}'])
    with pytest.raises(ValueError, match=r'test_dataloader.dataset.ann_file: the split list '
                       r'.*val.txt is empty'):
        runpy.run_path(osp.join(repo, 'tools', 'test.py'), run_name='__main__')


# ----------------------------------------------------- VOCSubsetDataset's scan of the masks
@pytest.mark.parametrize('damage, problem', [
    ('empty', 'is empty'),
    ('truncated', r'is a truncated PNG \(no IEND chunk\)'),
    ('broken', r'could not be decoded \(broken data stream'),
])
def test_voc_subset_scan_names_unreadable_mask_and_fix(voc_copy, tmp_path, damage, problem):
    root, first = voc_copy
    path = root / 'SegmentationClass' / f'{first}.png'
    data = bytearray(path.read_bytes())
    if damage == 'empty':
        data = b''
    elif damage == 'truncated':
        data = data[:len(data) // 2]
    else:  # compressed pixels overwritten, chunks intact
        i = data.index(b'IDAT')
        data[i + 10:i + 30] = b'\0' * 20
    path.write_bytes(bytes(data))
    with pytest.raises(OSError, match=rf'VOCSubsetDataset: the mask .*{first}\.png {problem}.*'
                       rf"remove the line '{first}' from .*train\.txt"):
        DATASETS.build(dict(type='VOCSubsetDataset', data_root=str(root), preset='voc8',
                            cache_dir=str(tmp_path / 'cache'),
                            ann_file='ImageSets/Segmentation/train.txt', pipeline=[]))
