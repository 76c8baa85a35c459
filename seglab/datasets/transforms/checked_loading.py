"""Loading transforms that name corrupt or truncated files, and can skip them."""
import os
import os.path as osp
from typing import Optional

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
                return super().transform(results)
            except (AttributeError, OSError, ValueError) as err:  # imfrombytes gave None
                problem = f'could not be decoded ({err})'
        return _corrupt(path, problem, self.skip_corrupt, 'skip_corrupt')


def _check_file(path: str, backend_args: Optional[dict]) -> Optional[str]:
    if backend_args is None and not osp.isfile(path):
        return 'does not exist'
    try:
        return describe_corruption(fileio.get(path, backend_args=backend_args))
    except OSError as err:
        return f'could not be read ({err})'
