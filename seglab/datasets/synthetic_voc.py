"""A small synthetic dataset in the official PASCAL VOC 2012 layout.

Textured shapes on textured backgrounds, deterministic from a seed, class-imbalanced like VOC
(background 60-80% of the pixels, a few frequent classes, rare ones), with VOC's 255 void
border around every object. It lets the quickstart and the tests exercise the real VOC code
path (JPEG images, palette PNG masks, split lists) on a machine without the dataset.

Layout written under ``out_dir``::

    VOCdevkit/VOC2012/JPEGImages/<id>.jpg
    VOCdevkit/VOC2012/SegmentationClass/<id>.png   # palette PNG, values 0-20 and 255
    VOCdevkit/VOC2012/ImageSets/Segmentation/{train,val}.txt
"""
import os
import os.path as osp
from typing import Dict, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image

VOC_CLASSES = ('background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
               'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person',
               'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor')

# Object class -> relative sampling weight. The study-000 classes dominate (person most),
# train and bus are rare, and a few other VOC classes appear so that subset selection has
# something to map to background.
DEFAULT_CLASS_WEIGHTS: Dict[str, float] = {
    'person': 6.0, 'car': 3.0, 'dog': 2.0, 'cat': 2.0, 'motorbike': 1.0, 'bus': 0.8,
    'train': 0.6, 'bird': 1.0, 'chair': 0.8, 'bottle': 0.6,
}
VOID = 255


def voc_palette() -> np.ndarray:
    """The standard 256-entry PASCAL VOC colour map (bit-interleaved class ids)."""
    palette = np.zeros((256, 3), dtype=np.uint8)
    for idx in range(256):
        c, r, g, b = idx, 0, 0, 0
        for shift in range(7, -1, -1):
            r |= ((c >> 0) & 1) << shift
            g |= ((c >> 1) & 1) << shift
            b |= ((c >> 2) & 1) << shift
            c >>= 3
        palette[idx] = (r, g, b)
    return palette


def _smooth_noise(rng: np.random.Generator, h: int, w: int, scale: int) -> np.ndarray:
    """Low-frequency noise in [0, 1]: random values on a coarse grid, resized up."""
    coarse = rng.random((max(2, h // scale), max(2, w // scale))).astype(np.float32)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _class_texture(rng: np.random.Generator, class_id: int, h: int, w: int) -> np.ndarray:
    """A class-specific appearance: a base colour plus stripes at a class-specific angle."""
    class_rng = np.random.default_rng(1000 + class_id)  # fixed per class, not per image
    base = class_rng.uniform(40, 220, size=3)
    angle = class_rng.uniform(0, np.pi)
    period = class_rng.uniform(4, 14)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi)
    stripes = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period + phase)
    shade = rng.uniform(0.75, 1.25)  # per-instance lighting so colour alone is not enough
    tex = base[None, None, :] * shade + 35 * stripes[..., None]
    tex += rng.normal(0, 12, size=(h, w, 3))
    return tex.clip(0, 255)


def _background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    base = rng.uniform(60, 190, size=3)
    noise = np.stack([_smooth_noise(rng, h, w, s) for s in (24, 12, 6)], axis=-1)
    img = base[None, None, :] + 70 * (noise - 0.5) + rng.normal(0, 10, size=(h, w, 3))
    return img.clip(0, 255)


def _draw_shape(rng: np.random.Generator, mask: np.ndarray, class_id: int,
                target_area: float) -> None:
    h, w = mask.shape
    cx, cy = rng.uniform(0.15, 0.85) * w, rng.uniform(0.15, 0.85) * h
    radius = np.sqrt(target_area / np.pi)
    kind = class_id % 3  # shape family is class-dependent, size and pose are not
    if kind == 0:
        axes = (int(radius * rng.uniform(0.7, 1.4)), int(radius * rng.uniform(0.7, 1.4)))
        cv2.ellipse(mask, (int(cx), int(cy)), axes, rng.uniform(0, 180), 0, 360,
                    int(class_id), -1)
    elif kind == 1:
        half_w, half_h = radius * rng.uniform(0.8, 1.5), radius * rng.uniform(0.6, 1.1)
        box = ((cx, cy), (2 * half_w, 2 * half_h), rng.uniform(-30, 30))
        cv2.fillPoly(mask, [cv2.boxPoints(box).astype(np.int32)], int(class_id))
    else:
        n = int(rng.integers(5, 9))
        angles = np.sort(rng.uniform(0, 2 * np.pi, n))
        radii = radius * rng.uniform(0.7, 1.3, n)
        pts = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], axis=1)
        cv2.fillPoly(mask, [pts.astype(np.int32)], int(class_id))


def make_sample(rng: np.random.Generator,
                size_range: Tuple[Tuple[int, int], Tuple[int, int]],
                class_weights: Dict[str, float]) -> Tuple[np.ndarray, np.ndarray]:
    """One (image RGB uint8, mask uint8) pair."""
    (h_lo, h_hi), (w_lo, w_hi) = size_range
    h, w = int(rng.integers(h_lo, h_hi + 1)), int(rng.integers(w_lo, w_hi + 1))
    names = list(class_weights)
    probs = np.array([class_weights[n] for n in names], dtype=np.float64)
    probs /= probs.sum()
    fg_fraction = rng.uniform(0.2, 0.4)  # background 60-80% of the image
    num_objects = int(rng.integers(1, 4))
    mask = np.zeros((h, w), dtype=np.uint8)
    for _ in range(num_objects):
        class_id = VOC_CLASSES.index(names[rng.choice(len(names), p=probs)])
        _draw_shape(rng, mask, class_id, fg_fraction * h * w / num_objects)
    image = _background(rng, h, w)
    for class_id in np.unique(mask):
        if class_id == 0:
            continue
        region = mask == class_id
        image[region] = _class_texture(rng, int(class_id), h, w)[region]
    # VOC marks a thin void band on every object outline.
    edges = cv2.morphologyEx(mask, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    mask[edges] = VOID
    image = cv2.GaussianBlur(image.astype(np.uint8), (3, 3), 0)
    return image, mask


def generate_synthetic_voc(out_dir: str,
                           num_train: int = 160,
                           num_val: int = 40,
                           seed: int = 0,
                           size_range: Sequence[Sequence[int]] = ((140, 200), (180, 260)),
                           class_weights: Dict[str, float] = None) -> str:
    """Write the dataset and return the ``VOCdevkit/VOC2012`` directory.

    Args:
        out_dir (str): Where ``VOCdevkit/`` is created.
        num_train (int): Images in ``train.txt``. Default: 160.
        num_val (int): Images in ``val.txt``. Default: 40.
        seed (int): Everything written is a function of the arguments and this seed.
            Default: 0.
        size_range (tuple): ((h_min, h_max), (w_min, w_max)) of the images, inclusive.
            Default: ((140, 200), (180, 260)).
        class_weights (dict, optional): VOC class name -> sampling weight of objects; None
            is ``DEFAULT_CLASS_WEIGHTS``. Default: None.
    """
    class_weights = dict(class_weights or DEFAULT_CLASS_WEIGHTS)
    unknown = sorted(set(class_weights) - set(VOC_CLASSES[1:]))
    if unknown:
        raise ValueError(f'class_weights has names that are not VOC object classes: '
                         f'{unknown}; valid: {VOC_CLASSES[1:]}')
    root = osp.join(out_dir, 'VOCdevkit', 'VOC2012')
    dirs = {k: osp.join(root, k) for k in
            ('JPEGImages', 'SegmentationClass', osp.join('ImageSets', 'Segmentation'))}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    palette = voc_palette().reshape(-1).tolist()
    rng = np.random.default_rng(seed)
    splits = {'train': [], 'val': []}
    for index in range(num_train + num_val):
        split = 'train' if index < num_train else 'val'
        sample_id = f'2012_{index:06d}'
        image, mask = make_sample(rng, size_range, class_weights)
        # Fixed JPEG settings keep the bytes identical across runs and machines.
        Image.fromarray(image).save(
            osp.join(dirs['JPEGImages'], f'{sample_id}.jpg'), quality=90, optimize=False)
        png = Image.fromarray(mask, mode='P')
        png.putpalette(palette)
        png.save(osp.join(dirs['SegmentationClass'], f'{sample_id}.png'))
        splits[split].append(sample_id)
    for split, ids in splits.items():
        with open(osp.join(dirs[osp.join('ImageSets', 'Segmentation')], f'{split}.txt'),
                  'w') as f:
            f.write('\n'.join(ids) + '\n')
    return root
