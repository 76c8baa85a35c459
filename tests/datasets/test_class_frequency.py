"""The class-frequency tool against an independent numpy count on real (synthetic) files."""
import json
import math
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from seglab.datasets.voc_subset import PRESETS, VOC_CLASSES

from helpers import REPO


def test_tool_matches_numpy_on_voc8(synthetic_voc_root, tmp_path):
    out = tmp_path / 'freq.json'
    subprocess.run(
        [sys.executable, osp.join(REPO, 'tools/analysis_tools/class_frequency.py'),
         osp.join(REPO, 'configs/_base_/datasets/voc8.py'), '--out', str(out), '--cfg-options',
         f'train_dataloader.dataset.data_root={synthetic_voc_root}',
         f'train_dataloader.dataset.cache_dir={tmp_path}'],
        check=True, capture_output=True, timeout=120)
    stats = json.loads(out.read_text())
    classes = list(PRESETS['voc8'])
    assert stats['classes'] == classes
    # Independent count: every train mask whose raw ids include a VOC-8 object class.
    ids = open(osp.join(synthetic_voc_root, 'ImageSets/Segmentation/train.txt')).read().split()
    counts = np.zeros(8)
    present = np.zeros(8)
    kept = 0
    for sample_id in ids:
        raw = np.array(Image.open(osp.join(synthetic_voc_root, 'SegmentationClass',
                                           f'{sample_id}.png')))
        names = [VOC_CLASSES[v] for v in np.unique(raw) if v != 255]
        if not set(names) & set(classes[1:]):
            continue
        kept += 1
        mapped = np.array([classes.index(VOC_CLASSES[v]) if VOC_CLASSES[v] in classes else 0
                           for v in raw[raw != 255]])
        c = np.bincount(mapped, minlength=8)
        counts += c
        present += (c > 0) * mapped.size
    freq = counts / counts.sum()
    assert stats['num_images'] == kept
    np.testing.assert_allclose(stats['frequency'], freq, rtol=1e-12)
    log_w = [1 / math.log(1.02 + f) for f in freq]
    np.testing.assert_allclose(stats['log_weights'], np.array(log_w) / np.mean(log_w))
    ok = counts > 0
    per_image = np.where(ok, counts / np.maximum(present, 1), 0)
    expected_median = np.where(ok, np.median(per_image[ok]) / np.where(ok, per_image, 1), 0)
    np.testing.assert_allclose(stats['median_frequency_weights'], expected_median)


def test_committed_voc8_frequencies_feed_the_loss():
    from seglab.losses.log_frequency_ce_loss import load_class_frequency
    path = osp.join(REPO, 'configs/_base_/class_frequency/voc8_train.json')
    freq = load_class_frequency(path)
    assert len(freq) == 8 and abs(sum(freq) - 1) < 1e-9 and freq[0] > 0.5  # background


def test_weights_with_an_absent_class_by_hand():
    from seglab.datasets.class_frequency import class_weights
    pixels = np.array([60, 30, 10, 0])
    present = np.array([100, 50, 100, 0])  # pixels of the images where each class occurs
    w = class_weights(pixels, present)
    np.testing.assert_allclose(w['frequency'], [0.6, 0.3, 0.1, 0.0])
    log_w = np.array([1 / math.log(1.02 + f) for f in (0.6, 0.3, 0.1, 0.0)])
    np.testing.assert_allclose(w['log_weights'], log_w / log_w.mean())
    # freq per image: 0.6, 0.6, 0.1 -> median 0.6; absent class weighted 0
    np.testing.assert_allclose(w['median_frequency_weights'], [1.0, 1.0, 6.0, 0.0])
    inv = np.array([1 / 0.6, 1 / 0.3, 1 / 0.1])
    np.testing.assert_allclose(w['inverse_frequency_weights'], list(inv / inv.mean()) + [0])


def test_num_images_and_seed_pick_a_reproducible_subset(synthetic_voc_root, tmp_path):
    from seglab.datasets.class_frequency import dataset_class_frequency
    options = {'train_dataloader.dataset.data_root': synthetic_voc_root,
               'train_dataloader.dataset.cache_dir': str(tmp_path)}
    config = osp.join(REPO, 'configs/_base_/datasets/voc8.py')
    a = dataset_class_frequency(config, num_images=4, seed=1, cfg_options=options)
    b = dataset_class_frequency(config, num_images=4, seed=1, cfg_options=options)
    full = dataset_class_frequency(config, cfg_options=options)
    assert a['num_images'] == 4 and a['pixel_counts'] == b['pixel_counts']
    assert sum(a['pixel_counts']) < sum(full['pixel_counts'])


def _real_counts(paths, mapping, num_classes):
    counts = np.zeros(num_classes, dtype=np.int64)
    for path in paths:
        raw = np.array(Image.open(path))
        mapped = mapping[raw]
        counts += np.bincount(mapped[mapped != 255], minlength=num_classes)
    return counts


def test_committed_jsons_match_numpy_on_the_real_data(shared_dir):
    camvid = osp.join(shared_dir, 'data', 'camvid')
    stats = json.load(open(osp.join(REPO, 'configs/_base_/class_frequency/camvid_train.json')))
    paths = [osp.join(camvid, line.split()[1].replace('/SegNet/CamVid/', ''))
             for line in open(osp.join(camvid, 'train.txt')) if line.strip()]
    mapping = np.arange(256)
    mapping[11] = 255
    assert stats['num_images'] == len(paths) == 367
    np.testing.assert_array_equal(stats['pixel_counts'], _real_counts(paths, mapping, 11))
    voc = osp.join(shared_dir, 'data', 'VOCdevkit', 'VOC2012')
    stats = json.load(open(osp.join(REPO, 'configs/_base_/class_frequency/voc8_train.json')))
    classes = list(PRESETS['voc8'])
    mapping = np.full(256, 255)
    for voc_id, name in enumerate(VOC_CLASSES):
        mapping[voc_id] = classes.index(name) if name in classes else 0
    kept = []
    for sample_id in open(osp.join(voc, 'ImageSets/Segmentation/train.txt')).read().split():
        path = osp.join(voc, 'SegmentationClass', f'{sample_id}.png')
        if set(np.unique(np.array(Image.open(path))).tolist()) & set(range(1, 21)) & {
                VOC_CLASSES.index(c) for c in classes[1:]}:
            kept.append(path)
    assert stats['num_images'] == len(kept) == 205
    np.testing.assert_array_equal(stats['pixel_counts'], _real_counts(kept, mapping, 8))
    assert stats['classes'] == classes


@pytest.mark.parametrize('entry, shown', [('NaN', 'nan'), ('Infinity', 'inf'), ('-0.1', '-0.1'),
                                          ('"0.1"', "'0.1'")])
def test_bad_frequency_entry_names_file_and_class(tmp_path, entry, shown):
    """Python's JSON reader accepts NaN/Infinity; a NaN weight made the loss NaN at iter 1."""
    import re
    from seglab.losses import LogFrequencyCELoss
    from seglab.losses.utils import load_class_weight
    path = tmp_path / 'freq.json'
    path.write_text('{"classes": ["background", "person", "car", "dog"], '
                    f'"frequency": [0.7, 0.2, 0.1, {entry}], '
                    f'"median_frequency_weights": [1.0, {entry}, 2.0, 3.0]}}')
    with pytest.raises(ValueError, match=rf"{re.escape(repr(str(path)))}: 'frequency': entry 3 "
                       rf"\('dog'\) is {re.escape(shown)}; every entry must be a finite number"):
        LogFrequencyCELoss(class_frequency=str(path))
    # The class-weight reader of the combined losses (a string is refused before this check).
    expected = 'must be a non-empty list of numbers' if shown == "'0.1'" else (
        rf"'median_frequency_weights': entry 1 \('person'\) is {re.escape(shown)}")
    with pytest.raises(ValueError, match=expected):
        load_class_weight(str(path), 'median_frequency_weights')
    with pytest.raises(ValueError, match=r'the class_frequency list: entry 0 is nan'):
        LogFrequencyCELoss(class_frequency=[float('nan'), 0.5])
