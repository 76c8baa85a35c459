"""VOCSubsetDataset, CamVidDataset and OxfordPetDataset: the study rules, on real files."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image

from mmseg.registry import DATASETS
from seglab.datasets.synthetic_voc import voc_palette
from seglab.datasets.voc_subset import PRESETS, VOC_CLASSES

init_default_scope('mmseg')
LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]


def _voc(root, split='train', tmp_cache=None, **kwargs):
    return DATASETS.build(dict(type='VOCSubsetDataset', data_root=root,
                               ann_file=f'ImageSets/Segmentation/{split}.txt', pipeline=LOAD,
                               cache_dir=tmp_cache, **kwargs))


def _raw_mask(info):
    return np.array(Image.open(info['seg_map_path']))


def _numpy_remap(raw, classes, others):
    """Independent remap: VOC id -> index in ``classes`` by name, else background/255."""
    out = np.full_like(raw, 255)
    for voc_id, name in enumerate(VOC_CLASSES):
        target = classes.index(name) if name in classes else (0 if others == 'background'
                                                               else 255)
        out[raw == voc_id] = target
    return out


@pytest.mark.parametrize('others', ['background', 'ignore'])
def test_voc8_remaps_exactly_and_keeps_images_with_selected_objects(
        synthetic_voc_root, tmp_path, others):
    ds = _voc(synthetic_voc_root, tmp_cache=str(tmp_path), others=others)
    classes = list(PRESETS['voc8'])
    assert list(ds.metainfo['classes']) == classes
    assert len(ds.metainfo['palette']) == 8
    assert ds.metainfo['palette'][1] == voc_palette()[VOC_CLASSES.index('person')].tolist()
    # The kept images are exactly those whose raw mask shows a selected object class.
    ids = open(osp.join(synthetic_voc_root, 'ImageSets/Segmentation/train.txt')).read().split()
    selected = {VOC_CLASSES.index(c) for c in classes[1:]}
    expected = [i for i in ids if selected & set(np.unique(np.array(Image.open(
        osp.join(synthetic_voc_root, 'SegmentationClass', f'{i}.png')))).tolist())]
    kept = [osp.basename(ds.get_data_info(i)['img_path'])[:-4] for i in range(len(ds))]
    assert kept == expected and 0 < len(kept) <= len(ids)
    for index in range(len(ds)):
        sample = ds[index]
        raw = _raw_mask(ds.get_data_info(index))
        np.testing.assert_array_equal(sample['gt_seg_map'], _numpy_remap(raw, classes, others))


def test_any_subset_by_name_and_bad_names(synthetic_voc_root, tmp_path):
    ds = _voc(synthetic_voc_root, tmp_cache=str(tmp_path), classes=('car', 'person'))
    assert ds.metainfo['classes'] == ('background', 'car', 'person')
    with pytest.raises(ValueError, match=r"\['unicorn'\] are not PASCAL VOC classes"):
        _voc(synthetic_voc_root, tmp_cache=str(tmp_path), classes=('unicorn', ))
    with pytest.raises(KeyError, match="unknown preset 'voc5'"):
        _voc(synthetic_voc_root, tmp_cache=str(tmp_path), preset='voc5')


def test_empty_subset_names_classes_and_count(synthetic_voc_root, tmp_path):
    # The generator never draws sheep, so nothing is kept.
    with pytest.raises(ValueError, match=r"\['sheep'\] \(16 masks scanned\)"):
        _voc(synthetic_voc_root, tmp_cache=str(tmp_path), classes=('sheep', ))


def test_scan_is_cached_and_invalidated_by_the_split_list(synthetic_voc_root, tmp_path):
    root = tmp_path / 'voc'
    shutil.copytree(synthetic_voc_root, root)
    cache = tmp_path / 'cache'
    first = _voc(str(root), tmp_cache=str(cache))
    assert len(os.listdir(cache)) == 1
    # A cached scan is used as it is: poison it and see the poison come back.
    cache_file = cache / os.listdir(cache)[0]
    content = json.loads(cache_file.read_text())
    poisoned = {name: [0] for name in content['values']}
    poisoned[next(iter(poisoned))] = [0, 7]  # one car image, nothing else
    cache_file.write_text(json.dumps(dict(content, values=poisoned)))
    assert len(_voc(str(root), tmp_cache=str(cache))) == 1 < len(first)
    # A changed split list changes the key: rescanned, same cache file rewritten.
    split = root / 'ImageSets/Segmentation/train.txt'
    ids = split.read_text().split()
    split.write_text('\n'.join(ids[:5]) + '\n')
    assert len(_voc(str(root), tmp_cache=str(cache))) == len(
        [i for i in range(len(first)) if first.get_data_info(i)['img_path'].endswith(
            tuple(f'{x}.jpg' for x in ids[:5]))])
    assert len(os.listdir(cache)) == 1


def test_default_cache_next_to_split_list_else_home(synthetic_voc_root, tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    root = tmp_path / 'voc'
    shutil.copytree(synthetic_voc_root, root)
    split_dir = root / 'ImageSets/Segmentation'
    # Earlier tests may have scanned the shared fixture: start from no cache at all.
    for cache in split_dir.glob('.*.seglab_scan.json'):
        cache.unlink()
    ds = _voc(str(root))
    assert (split_dir / '.train.seglab_scan.json').is_file()
    # Second start: no mask is read again.
    monkeypatch.setattr(type(ds), '_mask_values', staticmethod(lambda info: 1 / 0))
    assert len(_voc(str(root))) == len(ds)
    monkeypatch.undo()
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    # A touched mask invalidates the cache (size/mtime are part of the key).
    first = split_dir.joinpath('train.txt').read_text().split()[0]
    mask = root / 'SegmentationClass' / f'{first}.png'
    os.utime(mask, ns=(1, 1))
    old = json.loads((split_dir / '.train.seglab_scan.json').read_text())['key']
    _voc(str(root))
    assert json.loads((split_dir / '.train.seglab_scan.json').read_text())['key'] != old
    # Read-only data (no write bits; root ignores them, the dataset does not): ~/.cache/seglab.
    os.chmod(split_dir, 0o555)
    try:
        _voc(str(root), split='val')
        assert not (split_dir / '.val.seglab_scan.json').exists()
        cached = os.listdir(tmp_path / 'home' / '.cache' / 'seglab')
        assert len(cached) == 1 and cached[0].startswith('voc_subset_val_')
    finally:
        os.chmod(split_dir, 0o755)


def test_bad_data_errors_name_the_files(synthetic_voc_root, tmp_path):
    with pytest.raises(FileNotFoundError, match='data_root .*nowhere.* does not exist'):
        _voc(str(tmp_path / 'nowhere'), tmp_cache=str(tmp_path))
    root = tmp_path / 'voc'
    shutil.copytree(synthetic_voc_root, root)
    with pytest.raises(FileNotFoundError, match='split list .*test.txt'):
        _voc(str(root), split='test', tmp_cache=str(tmp_path))
    first = open(root / 'ImageSets/Segmentation/train.txt').read().split()[0]
    mask_path = root / 'SegmentationClass' / f'{first}.png'
    mask = np.array(Image.open(mask_path))
    bad = mask.copy()
    bad[0, 0] = 42
    Image.fromarray(bad).save(mask_path)
    with pytest.raises(ValueError, match=rf'{first}\.png has values \[42\]'):
        _voc(str(root), tmp_cache=str(tmp_path / 'c1'))
    Image.fromarray(mask[:-3]).save(mask_path)
    with pytest.raises(ValueError, match=rf'{first}\.jpg is .* but its mask .*{first}\.png'):
        _voc(str(root), tmp_cache=str(tmp_path / 'c2'))
    os.remove(mask_path)
    with pytest.raises(FileNotFoundError, match=rf'{first}\.png is listed in .*train.txt'):
        _voc(str(root), tmp_cache=str(tmp_path / 'c3'))


def test_real_voc_subset_counts(shared_dir, tmp_path):
    root = osp.join(shared_dir, 'data', 'VOCdevkit', 'VOC2012')
    train = _voc(root, 'train', tmp_cache=str(tmp_path))
    val = _voc(root, 'val', tmp_cache=str(tmp_path))
    # Measured on the 676-image subset (docs/datasets.md): 205/330 and 214/346.
    assert (len(train), len(val)) == (205, 214)
    values = np.unique(train[0]['gt_seg_map'])
    assert set(values.tolist()) <= set(range(8)) | {255}


def test_real_camvid_splits_and_labels(shared_dir):
    root = osp.join(shared_dir, 'data', 'camvid')
    sizes = {}
    for split in ('train', 'val', 'test'):
        ds = DATASETS.build(dict(type='CamVidDataset', data_root=root, ann_file=f'{split}.txt',
                                 pipeline=LOAD))
        sizes[split] = len(ds)
    assert sizes == dict(train=367, val=101, test=233)
    sample = ds[0]
    raw = np.array(Image.open(ds.get_data_info(0)['seg_map_path']))
    expected = np.where(raw == 11, 255, raw)
    np.testing.assert_array_equal(sample['gt_seg_map'], expected)
    assert (raw == 11).any()  # void really occurs and is really ignored
    assert len(ds.metainfo['classes']) == 11


def test_camvid_errors_name_the_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match='split list .*train.txt.* SegNet tutorial'):
        DATASETS.build(dict(type='CamVidDataset', data_root=str(tmp_path), pipeline=LOAD))
    (tmp_path / 'train.txt').write_text(
        '/SegNet/CamVid/train/a.png /SegNet/CamVid/trainannot/a.png\n')
    with pytest.raises(FileNotFoundError, match=r'train/a\.png \(from .*train.txt line 1\)'):
        DATASETS.build(dict(type='CamVidDataset', data_root=str(tmp_path), pipeline=LOAD))


def _pet_fixture(root):
    (root / 'images').mkdir(parents=True)
    (root / 'annotations' / 'trimaps').mkdir(parents=True)
    rng = np.random.default_rng(0)
    lines = []
    for index, breed in enumerate((3, 17)):
        name = f'pet_{index}'
        Image.fromarray(rng.integers(0, 255, (12, 10, 3), dtype=np.uint8)).save(
            root / 'images' / f'{name}.jpg')
        Image.fromarray(rng.integers(1, 4, (12, 10), dtype=np.uint8)).save(
            root / 'annotations' / 'trimaps' / f'{name}.png')
        lines.append(f'{name} {breed} 1 {breed}')
    (root / 'annotations' / 'trainval.txt').write_text('\n'.join(lines) + '\n')


@pytest.mark.parametrize('mode,mapping', [
    ('binary', lambda t, b: np.select([t == 1, t == 2], [1, 0], 255)),
    ('trimap', lambda t, b: np.select([t == 1, t == 2], [1, 0], 2)),
    ('breed', lambda t, b: np.select([t == 1, t == 2], [b, 0], 255)),
])
def test_oxford_pet_modes(tmp_path, mode, mapping):
    _pet_fixture(tmp_path)
    ds = DATASETS.build(dict(type='OxfordPetDataset', data_root=str(tmp_path), mode=mode,
                             pipeline=LOAD))
    assert len(ds) == 2
    assert len(ds.metainfo['classes']) == {'binary': 2, 'trimap': 3, 'breed': 38}[mode]
    for index, breed in enumerate((3, 17)):
        trimap = np.array(Image.open(ds.get_data_info(index)['seg_map_path']))
        np.testing.assert_array_equal(ds[index]['gt_seg_map'], mapping(trimap, breed))
    with pytest.raises(ValueError, match="mode must be one of"):
        DATASETS.build(dict(type='OxfordPetDataset', data_root=str(tmp_path), mode='cats'))


def _camvid_fixture(root, n=2, size=(12, 16)):
    rng = np.random.default_rng(1)
    (root / 'train').mkdir(parents=True)
    (root / 'trainannot').mkdir()
    lines = []
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, size + (3, ), dtype=np.uint8)).save(
            root / 'train' / f'f{i}.png')
        Image.fromarray(rng.integers(0, 12, size, dtype=np.uint8)).save(
            root / 'trainannot' / f'f{i}.png')
        lines.append(f'/SegNet/CamVid/train/f{i}.png /SegNet/CamVid/trainannot/f{i}.png')
    (root / 'train.txt').write_text('\n'.join(lines) + '\n')


CHECKED = [dict(type='CheckedLoadImageFromFile'), dict(type='CheckedLoadAnnotations')]


def test_camvid_fixture_names_palette_and_per_load_checks(tmp_path):
    _camvid_fixture(tmp_path)
    ds = DATASETS.build(dict(type='CamVidDataset', data_root=str(tmp_path), pipeline=CHECKED))
    assert ds.metainfo['classes'] == (
        'Sky', 'Building', 'Column-Pole', 'Road', 'Side-walk', 'Tree', 'Sign-Symbol', 'Fence',
        'Car', 'Pedestrian', 'Bicyclist')
    assert ds.metainfo['palette'][4] == [0, 0, 192]  # CamVid's Sidewalk colour
    raw = np.array(Image.open(tmp_path / 'trainannot' / 'f0.png'))
    np.testing.assert_array_equal(ds[0]['gt_seg_map'], np.where(raw == 11, 255, raw))
    # A label that is no CamVid id is named with its file and values when loaded.
    bad = raw.copy()
    bad[0, :2] = (12, 40)
    Image.fromarray(bad).save(tmp_path / 'trainannot' / 'f0.png')
    with pytest.raises(ValueError, match=r'trainannot/f0\.png has values \[12, 40\]'):
        ds[0]
    # A label map of another size than its image: both files named.
    Image.fromarray(raw[:-2]).save(tmp_path / 'trainannot' / 'f1.png')
    with pytest.raises(ValueError, match=r'trainannot/f1\.png is 16x10 but its image '
                                         r'.*train/f1\.png is 16x12'):
        ds[1]
    with pytest.raises(FileNotFoundError, match=r'data_root .*nowhere.* SegNet tutorial'):
        DATASETS.build(dict(type='CamVidDataset', data_root=str(tmp_path / 'nowhere')))


def test_size_check_holds_after_a_resize_and_unchecked_datasets_pass(tmp_path):
    _camvid_fixture(tmp_path)
    resized = [CHECKED[0], dict(type='Resize', scale=(8, 6), keep_ratio=False), CHECKED[1]]
    ds = DATASETS.build(dict(type='CamVidDataset', data_root=str(tmp_path), pipeline=resized))
    assert ds[0]['gt_seg_map'].shape == (12, 16)  # ori_shape, not the resized image
    raw = np.array(Image.open(tmp_path / 'trainannot' / 'f0.png'))
    Image.fromarray(raw[:-1]).save(tmp_path / 'trainannot' / 'f0.png')
    with pytest.raises(ValueError, match='must have the same size'):
        ds[0]


def test_voc_empty_split_list_is_an_error(synthetic_voc_root, tmp_path):
    root = tmp_path / 'voc'
    shutil.copytree(synthetic_voc_root, root)
    (root / 'ImageSets/Segmentation/train.txt').write_text('')
    with pytest.raises(ValueError, match='train.txt names no image'):
        _voc(str(root), tmp_cache=str(tmp_path / 'c'))


def test_oxford_pet_breed_names_and_errors(tmp_path):
    _pet_fixture(tmp_path)
    ds = DATASETS.build(dict(type='OxfordPetDataset', data_root=str(tmp_path), mode='breed',
                             pipeline=CHECKED))
    classes = ds.metainfo['classes']
    assert (classes[0], classes[1], classes[17], classes[37]) == (
        'background', 'Abyssinian', 'havanese', 'yorkshire_terrier')
    assert len(set(classes)) == 38 and len(ds.metainfo['palette']) == 38
    # The official class ids are the breeds in case-insensitive alphabetical order.
    assert list(classes[1:]) == sorted(classes[1:], key=str.lower)
    # A trimap value that is none of 1/2/3 stays out of range and is named on load.
    trimap = np.array(Image.open(tmp_path / 'annotations/trimaps/pet_0.png'))
    trimap[0, 0] = 7
    Image.fromarray(trimap).save(tmp_path / 'annotations/trimaps/pet_0.png')
    binary = DATASETS.build(dict(type='OxfordPetDataset', data_root=str(tmp_path),
                                 pipeline=CHECKED))
    with pytest.raises(ValueError, match=r'pet_0\.png has values \[7\]'):
        binary[0]
    with pytest.raises(FileNotFoundError, match='data_root .*nowhere.* official layout'):
        DATASETS.build(dict(type='OxfordPetDataset', data_root=str(tmp_path / 'nowhere')))
    os.remove(tmp_path / 'images' / 'pet_1.jpg')
    with pytest.raises(FileNotFoundError, match=r'images/pet_1\.jpg \(from .*trainval.txt line 2'):
        DATASETS.build(dict(type='OxfordPetDataset', data_root=str(tmp_path)))
    (tmp_path / 'annotations' / 'trainval.txt').write_text('pet_0 99 1 1\n')
    with pytest.raises(ValueError, match='needs a class id 1-37'):
        DATASETS.build(dict(type='OxfordPetDataset', data_root=str(tmp_path), mode='breed'))
