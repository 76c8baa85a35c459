"""The class-frequency tool against an independent numpy count on real (synthetic) files."""
import json
import math
import os.path as osp
import subprocess
import sys

import numpy as np
from PIL import Image

from seglab.datasets.voc_subset import PRESETS, VOC_CLASSES

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


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
