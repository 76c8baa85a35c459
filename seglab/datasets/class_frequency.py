"""Class pixel frequencies of a dataset and the loss weights derived from them."""
import math
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS

IGNORE = 255


def count_class_pixels(dataset, num_classes: int, indices: Sequence[int]) -> Dict[str, np.ndarray]:
    """Pixels of each class over ``indices``, and over the images where each class occurs.

    The dataset's pipeline should only load labels (``LoadAnnotations``); 255 is ignored.
    Values >= ``num_classes`` other than 255 are an error naming the file.
    """
    pixels = np.zeros(num_classes, dtype=np.int64)
    present_pixels = np.zeros(num_classes, dtype=np.int64)  # SegNet's median-frequency rule
    for index in indices:
        sample = dataset[index]
        label = np.asarray(sample['gt_seg_map'])
        valid = label[label != IGNORE]
        if valid.size and valid.max() >= num_classes:
            bad = sorted(set(np.unique(valid[valid >= num_classes]).tolist()))
            raise ValueError(f"{sample.get('seg_map_path', index)}: label values {bad} are "
                             f'outside 0..{num_classes - 1} (and 255)')
        counts = np.bincount(valid, minlength=num_classes)
        pixels += counts
        present_pixels += np.where(counts > 0, valid.size, 0)
    return dict(pixels=pixels, present_pixels=present_pixels)


def class_weights(pixels: np.ndarray, present_pixels: np.ndarray) -> Dict[str, List[float]]:
    """Frequencies and the three weight vectors the losses take.

    - ``log_weights`` (study 000 eq. 2-3): w_c = 1 / ln(1.02 + f_c), divided by their mean.
    - ``median_frequency_weights`` (SegNet, Eigen & Fergus): median(freq) / freq_c with
      freq_c = pixels of c / pixels of the images where c occurs; 0 for absent classes.
    - ``inverse_frequency_weights``: 1 / f_c divided by their mean; 0 for absent classes.
    """
    total = pixels.sum()
    if total == 0:
        raise ValueError('No labelled pixel found: every pixel is ignored (255).')
    frequency = pixels / total
    log_w = np.array([1.0 / math.log(1.02 + f) for f in frequency])
    present = pixels > 0
    freq_img = np.where(present, pixels / np.maximum(present_pixels, 1), 0.0)
    median = np.median(freq_img[present])
    median_w = np.where(present, median / np.where(present, freq_img, 1.0), 0.0)
    inv = np.where(present, 1.0 / np.where(present, frequency, 1.0), 0.0)
    return dict(
        frequency=frequency.tolist(),
        log_weights=(log_w / log_w.mean()).tolist(),
        median_frequency_weights=median_w.tolist(),
        inverse_frequency_weights=(inv / inv[present].mean()).tolist(),
    )


def dataset_class_frequency(config: str, split: str = 'train', num_images: Optional[int] = None,
                            seed: int = 0, cfg_options: Optional[dict] = None) -> dict:
    """Class statistics of a config's ``<split>_dataloader`` dataset, labels as loaded.

    Only ``LoadAnnotations`` runs (no random augmentation), so remapping such as VOC-8's
    "other classes -> background" or CamVid's "void -> 255" is counted as training sees it,
    while crops and flips, which do not change expected frequencies, are skipped.
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    key = f'{split}_dataloader'
    if key not in cfg:
        raise KeyError(f'{config} has no {key}; use --split train, val or test.')
    dataset_cfg = cfg[key].dataset.copy()
    dataset_cfg.pipeline = [dict(type='LoadAnnotations')]
    dataset = DATASETS.build(dataset_cfg)
    classes = list(dataset.metainfo['classes'])
    indices = list(range(len(dataset)))
    if num_images is not None and num_images < len(indices):
        indices = sorted(np.random.default_rng(seed).choice(len(indices), num_images,
                                                            replace=False).tolist())
    counts = count_class_pixels(dataset, len(classes), indices)
    return dict(config=config, split=split, num_images=len(indices),
                loading='LoadAnnotations only: full-size labels after the dataset\'s label '
                'mapping, no resize/crop/flip; 255 ignored',
                classes=classes,
                pixel_counts=counts['pixels'].tolist(),
                **class_weights(counts['pixels'], counts['present_pixels']))
