"""Prediction PNGs (``tools/test.py --out DIR``) next to their images and ground truth.

``IoUMetric``/``DetailedIoUMetric`` with ``output_dir`` save one ``<image stem>.png`` per test
image holding class indices at the original image size (``+1`` when the dataset uses
``reduce_zero_label``). The ground truth is read through the dataset of the config with a
``LoadImageFromFile`` + ``LoadAnnotations`` pipeline, so label maps (e.g. ``VOCSubsetDataset``'s
class remapping) and ``reduce_zero_label`` apply exactly as in evaluation.
"""
import os.path as osp
from typing import Dict, Iterator, List, Optional, Sequence

import numpy as np
from mmengine.config import Config
from PIL import Image

IGNORE_COLOR = (255, 255, 255)


def load_eval_dataset(config: str, cfg_options: Optional[dict] = None, split: str = 'test'):
    """The ``<split>_dataloader.dataset`` of ``config`` returning raw image + GT dicts."""
    import seglab  # noqa: F401  (compat layer, registries)
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    key = f'{split}_dataloader'
    if key not in cfg:
        raise KeyError(f'{config}: no {key} in the config; pass --split val or test')
    dataset_cfg = cfg[key].dataset.copy()
    dataset_cfg.pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return DATASETS.build(dataset_cfg)


def read_prediction(pred_dir: str, img_path: str, reduce_zero_label: bool = False
                    ) -> Optional[np.ndarray]:
    """The saved prediction of ``img_path`` in ``pred_dir`` as class indices, or None."""
    path = osp.join(pred_dir, osp.splitext(osp.basename(img_path))[0] + '.png')
    if not osp.isfile(path):
        return None
    pred = np.asarray(Image.open(path)).astype(np.int64)
    if reduce_zero_label:
        pred = pred - 1
        pred[pred < 0] = 255
    return pred


def iter_samples(dataset, pred_dirs: Sequence[str]) -> Iterator[Dict]:
    """``dict(index, img_path, img (RGB), gt, preds=[...])`` for images predicted in all dirs."""
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        preds = [read_prediction(d, info['img_path'], info.get('reduce_zero_label', False))
                 for d in pred_dirs]
        if any(p is None for p in preds):
            continue
        sample = dataset[index]
        gt = sample['gt_seg_map'].astype(np.int64)
        for d, pred in zip(pred_dirs, preds):
            if pred.shape != gt.shape:
                raise ValueError(f'{d}: prediction of {info["img_path"]} is {pred.shape}, the '
                                 f'ground truth {gt.shape}; were the PNGs saved by '
                                 'tools/test.py --out with this dataset?')
        yield dict(index=index, img_path=info['img_path'], img=sample['img'][..., ::-1],
                   gt=gt, preds=preds)


def confusion_matrix(gt: np.ndarray, pred: np.ndarray, num_classes: int,
                     ignore_index: int = 255) -> np.ndarray:
    """``(num_classes, num_classes)`` counts, rows = ground truth, columns = prediction;
    ignored GT pixels and out-of-range predictions are left out."""
    valid = (gt != ignore_index) & (gt >= 0) & (gt < num_classes) & (pred >= 0) & \
        (pred < num_classes)
    index = gt[valid] * num_classes + pred[valid]
    return np.bincount(index, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def colorize(label: np.ndarray, palette: Sequence[Sequence[int]],
             ignore_index: int = 255) -> np.ndarray:
    """RGB image of a label map in the dataset palette; ignore (and unknown) pixels white."""
    lut = np.array(list(palette) + [IGNORE_COLOR] * (256 - len(palette)), dtype=np.uint8)
    out = lut[np.clip(label, 0, 255)]
    out[label == ignore_index] = IGNORE_COLOR
    return out


def disagreement(gt: np.ndarray, preds: List[np.ndarray], ignore_index: int = 255) -> float:
    """Fraction of valid pixels where the first two predictions differ (with one prediction:
    its error rate); used to pick the most telling images automatically."""
    valid = gt != ignore_index
    if not valid.any():
        return 0.0
    other = preds[1] if len(preds) > 1 else gt
    return float((preds[0][valid] != other[valid]).mean())


def thumbnail(img: np.ndarray, size=(32, 24)) -> np.ndarray:
    """Grey ``size`` thumbnail in [0, 1] of an RGB image, for near-duplicate checks."""
    grey = Image.fromarray(np.ascontiguousarray(img).astype(np.uint8)).convert('L')
    return np.asarray(grey.resize(size, Image.BILINEAR), dtype=np.float64) / 255.0


def pick_distinct(samples: Sequence[Dict], num: int, min_difference: float = 0.1
                  ) -> List[Dict]:
    """The first ``num`` samples (in the given order) whose thumbnails differ from every one
    already picked by a mean absolute grey difference of at least ``min_difference``.

    Consecutive frames of a video data set are near copies: on the CamVid test split, the
    difference of neighbouring frames has median 0.07 (75th percentile 0.09), that of frames
    50 apart median 0.21 (5th percentile 0.12); the default 0.1 keeps one of most
    neighbouring pairs and none of the distant ones. 0 disables the check.
    """
    chosen, thumbs = [], []
    for sample in samples:
        if len(chosen) == num:
            break
        thumb = thumbnail(sample['img'])
        if all(np.abs(thumb - t).mean() >= min_difference for t in thumbs):
            chosen.append(sample)
            thumbs.append(thumb)
    return chosen


def classes_shown(labels: Sequence[np.ndarray], num_classes: int) -> List[int]:
    """Class indices that appear in any of the label maps (ignore and unknown left out)."""
    present = set()
    for label in labels:
        present.update(int(v) for v in np.unique(label) if 0 <= v < num_classes)
    return sorted(present)
