"""Loading transforms that name corrupt or truncated files, and can skip them."""
import os
import os.path as osp
from typing import Optional

import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmengine import fileio
from mmengine.logging import print_log
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS

_skipped = {'count': 0}  # per process: each dataloader worker counts its own skips


def describe_corruption(data: bytes) -> Optional[str]:
    """Why ``data`` is not a complete JPEG/PNG file, or None if it looks complete.

    cv2 decodes a truncated JPEG into a half-grey image with only a console warning, so
    decoding alone does not catch it; the end markers do (JPEG EOI, PNG IEND chunk).
    """
    if not data:
        return 'is empty'
    if data[:2] == b'\xff\xd8':
        return None if b'\xff\xd9' in data[-1024:] else 'is a truncated JPEG (no end marker)'
    if data[:8] == b'\x89PNG\r\n\x1a\n':
        return None if b'IEND' in data[-64:] else 'is a truncated PNG (no IEND chunk)'
    return None  # other formats: left to the decoder


def _corrupt(path: str, problem: str, skip: bool, option: str) -> None:
    if not skip:
        raise OSError(f'{path} {problem}. Replace or remove the file, or skip such files with '
                      f'a warning: {option}=True in the loading transform of the pipeline '
                      f'(docs/troubleshooting.md).')
    _skipped['count'] += 1
    print_log(f'Skipping {path}: it {problem} ({_skipped["count"]} file(s) skipped in '
              f'process {os.getpid()})', logger='current', level=30)


def skipped_count() -> int:
    """How many corrupt files this process skipped."""
    return _skipped['count']


@TRANSFORMS.register_module()
class CheckedLoadImageFromFile(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` that names a missing, corrupt or truncated image.

    mmcv asserts ``failed to load image`` for undecodable bytes and silently accepts a
    truncated JPEG. Here each is an ``OSError`` naming the file, or with
    ``skip_corrupt=True`` a warning, a per-process count, and ``None``, on which mmengine's
    ``BaseDataset`` draws another sample (training only; test pipelines must not skip).

    Args:
        skip_corrupt (bool): Skip such files with a warning instead of raising.
        **kwargs: As :class:`mmcv.transforms.LoadImageFromFile`.
    """

    def __init__(self, skip_corrupt: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.skip_corrupt = skip_corrupt

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        problem = _check_file(path, self.backend_args)
        if problem is None:
            try:
                # The bytes are read again by mmcv: from the page cache, cheap next to decoding.
                loaded = super().transform(results)
            except (AssertionError, OSError, ValueError) as err:
                problem = f'could not be decoded ({err})'
            else:
                return loaded
        return _corrupt(path, problem, self.skip_corrupt, 'skip_corrupt')


@TRANSFORMS.register_module()
class CheckedLoadAnnotations(LoadAnnotations):
    """mmseg's ``LoadAnnotations`` that names a missing, corrupt or truncated label map.

    Two cheap checks per load also name bad data instead of letting it train silently
    (always errors, never skipped): a label map whose size differs from the loaded image's
    (``ori_shape``, so it works after a ``Resize`` too), and, when the dataset puts
    ``num_classes`` in the sample info (seglab's datasets do), label values outside
    ``0..num_classes-1`` and 255 after the dataset's label mapping.

    Args:
        skip_corrupt (bool): Skip such files with a warning instead of raising (training).
        **kwargs: As :class:`mmseg.datasets.transforms.LoadAnnotations`.
    """

    def __init__(self, skip_corrupt: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.skip_corrupt = skip_corrupt

    def transform(self, results: dict) -> Optional[dict]:
        path = results['seg_map_path']
        problem = _check_file(path, self.backend_args)
        if problem is None:
            try:
                loaded = super().transform(results)
            except (AttributeError, OSError, ValueError) as err:  # imfrombytes gave None
                problem = f'could not be decoded ({err})'
            else:
                _check_label_map(loaded)
                return loaded
        return _corrupt(path, problem, self.skip_corrupt, 'skip_corrupt')


def _check_label_map(results: dict) -> None:
    label = results['gt_seg_map']
    image_shape = results.get('ori_shape')
    if image_shape is not None and tuple(label.shape[:2]) != tuple(image_shape[:2]):
        raise ValueError(
            f"Label map {results['seg_map_path']} is {label.shape[1]}x{label.shape[0]} but "
            f"its image {results.get('img_path')} is {image_shape[1]}x{image_shape[0]}; "
            f'they must have the same size.')
    num_classes = results.get('num_classes')
    if num_classes is None:
        return
    if label.max() < num_classes:  # the usual case costs one pass
        return
    bad = [int(v) for v in np.unique(label[label >= num_classes]) if v != 255]
    if bad:
        raise ValueError(
            f"Label map {results['seg_map_path']} has values {bad} (after the dataset's label "
            f'mapping) outside the class ids 0-{num_classes - 1} and 255 (ignore). Check that '
            f'the masks hold class ids of this dataset, not colours.')


def _check_file(path: str, backend_args: Optional[dict]) -> Optional[str]:
    if backend_args is None and not osp.isfile(path):
        return 'does not exist'
    try:
        return describe_corruption(fileio.get(path, backend_args=backend_args))
    except OSError as err:
        return f'could not be read ({err})'
