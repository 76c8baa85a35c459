"""Loading transforms that name corrupt or truncated files and bad label values, and can skip
corrupt files."""
import os
import os.path as osp
import sys
import tempfile
import threading
from contextlib import contextmanager
from typing import Iterator, List, Optional, Tuple

import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmengine import fileio
from mmengine.logging import print_log
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS

_skipped = {'count': 0}  # per process: each dataloader worker counts its own skips
# libjpeg's warnings (jerror.h JWRN_*) that mean damaged data; cv2 decodes such files anyway.
LIBJPEG_CORRUPTION_WARNINGS = ('Corrupt JPEG data', 'Premature end of JPEG file',
                               'Invalid SOS parameters', 'Inconsistent progression sequence')
_WARNING_PREFIXES = tuple(w.encode() for w in LIBJPEG_CORRUPTION_WARNINGS)
_stderr_lock = threading.Lock()  # fd 2 is process-wide: one capture at a time


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


@contextmanager
def decoder_warnings() -> Iterator[List[str]]:
    """Collect libjpeg's corruption warnings printed while the block decodes one file.

    libjpeg reports damaged entropy-coded data ("Corrupt JPEG data: 1999 extraneous bytes
    before marker 0xd9") by printing to the C ``stderr`` and decodes the file anyway, without
    naming it; neither cv2 nor PIL expose the warning. So file descriptor 2 is pointed at a
    temporary file for the duration of the decode (a lock keeps threads of one process from
    interleaving) and afterwards the corruption lines are returned in the yielded list;
    anything else that was printed goes on to the real ``stderr``.
    """
    found: List[str] = []
    with _stderr_lock, tempfile.TemporaryFile() as capture:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):  # no usable fd 2: decode unwatched
            yield found
            return
        os.dup2(capture.fileno(), 2)
        try:
            yield found
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            other = []
            for line in capture.read().splitlines(keepends=True):
                if line.startswith(_WARNING_PREFIXES):
                    found.append(line.decode('utf-8', 'replace').strip())
                else:
                    other.append(line)
            if other:
                os.write(2, b''.join(other))


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
    truncated JPEG, or one whose compressed data is damaged but whose end marker is intact
    (libjpeg prints "Corrupt JPEG data" without a file name and cv2 returns the garbled
    pixels; see :func:`decoder_warnings`). Here each is an ``OSError`` naming the file, or
    with ``skip_corrupt=True`` a warning, a per-process count, and ``None``, on which
    mmengine's ``BaseDataset`` draws another sample (training only; test pipelines must not
    skip). The decoder warnings are caught for the default ``imdecode_backend='cv2'``
    (``'pillow'`` silences libjpeg's warnings).

    Args:
        skip_corrupt (bool): Skip such files with a warning instead of raising.
            Default: False.
        **kwargs: As :class:`mmcv.transforms.LoadImageFromFile`.
    """

    def __init__(self, skip_corrupt: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.skip_corrupt = skip_corrupt

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        problem, is_jpeg = _check_file(path, self.backend_args)
        if problem is None:
            try:
                # The bytes are read again by mmcv: from the page cache, cheap next to decoding.
                if is_jpeg:
                    with decoder_warnings() as warnings:
                        loaded = super().transform(results)
                else:
                    loaded, warnings = super().transform(results), []
            except (AssertionError, OSError, ValueError) as err:
                problem = f'could not be decoded ({err})'
            else:
                if not warnings:
                    return loaded
                problem = f'has corrupt JPEG data (libjpeg: {"; ".join(warnings)})'
        return _corrupt(path, problem, self.skip_corrupt, 'skip_corrupt')


@TRANSFORMS.register_module()
class CheckedLoadAnnotations(LoadAnnotations):
    """mmseg's ``LoadAnnotations`` that names a missing, corrupt or truncated label map.

    Two cheap checks per load also name bad data instead of letting it train silently
    (always errors, never skipped): a label map whose size differs from the loaded image's
    (``ori_shape``, so it works after a ``Resize`` too), and label values outside
    ``0..num_classes-1`` and ``ignore_index`` after the dataset's label mapping. Without the
    range check a value of 37 in a 21-class set is an ``IndexError`` deep in the loss when
    training and is silently scored as a wrong pixel by ``tools/test.py``. The number of
    classes comes from the sample info where the dataset puts it there (seglab's datasets
    do, from their metainfo), else from ``num_classes`` (give it for mmseg's own datasets,
    as ``configs/_base_/datasets/synthetic_voc.py`` does; ``ClassNumberCheckHook`` checks
    it against the dataset's classes before the first iteration).

    Args:
        num_classes (int, optional): Classes of the dataset, for datasets that do not put
            ``num_classes`` in their samples. Default: None (no range check for those).
        ignore_index (int): The label value that is ignored. Default: 255.
        skip_corrupt (bool): Skip such files with a warning instead of raising (training).
            Default: False.
        **kwargs: As :class:`mmseg.datasets.transforms.LoadAnnotations`.
    """

    def __init__(self,
                 num_classes: Optional[int] = None,
                 ignore_index: int = 255,
                 skip_corrupt: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if num_classes is not None and (isinstance(num_classes, bool)
                                        or not isinstance(num_classes, int)
                                        or num_classes < 1):
            raise ValueError(f'CheckedLoadAnnotations: num_classes must be a positive int or '
                             f'None, got {num_classes!r}')
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.skip_corrupt = skip_corrupt

    def transform(self, results: dict) -> Optional[dict]:
        path = results['seg_map_path']
        problem, _ = _check_file(path, self.backend_args)
        if problem is None:
            try:
                loaded = super().transform(results)
            except (AttributeError, OSError, ValueError) as err:  # imfrombytes gave None
                problem = f'could not be decoded ({err})'
            else:
                self._check_label_map(loaded)
                return loaded
        return _corrupt(path, problem, self.skip_corrupt, 'skip_corrupt')

    def _check_label_map(self, results: dict) -> None:
        label = results['gt_seg_map']
        image_shape = results.get('ori_shape')
        if image_shape is not None and tuple(label.shape[:2]) != tuple(image_shape[:2]):
            raise ValueError(
                f"Label map {results['seg_map_path']} is {label.shape[1]}x{label.shape[0]} but "
                f"its image {results.get('img_path')} is {image_shape[1]}x{image_shape[0]}; "
                f'they must have the same size.')
        if results.get('num_classes') is not None:
            num_classes = results['num_classes']
            source = f'the dataset has {num_classes} classes'
        elif self.num_classes is not None:
            num_classes = self.num_classes
            source = f'num_classes={num_classes} of CheckedLoadAnnotations'
        else:
            return
        if label.max() < num_classes:  # the usual case costs one pass
            return
        bad = [int(v) for v in np.unique(label[label >= num_classes]) if v != self.ignore_index]
        if bad:
            raise ValueError(
                f"Label map {results['seg_map_path']} has values {bad} (after the dataset's "
                f'label mapping) outside the class ids 0-{num_classes - 1} ({source}) '
                f'and {self.ignore_index} (ignore_index). Check that '
                f'the masks hold class ids of this dataset, not colours, and that the '
                f'dataset/num_classes is the one these masks belong to.')


def _check_file(path: str, backend_args: Optional[dict]) -> Tuple[Optional[str], bool]:
    """Why the file cannot be used (or None), and whether it is a JPEG."""
    if backend_args is None and not osp.isfile(path):
        return 'does not exist', False
    try:
        data = fileio.get(path, backend_args=backend_args)
    except OSError as err:
        return f'could not be read ({err})', False
    return describe_corruption(data), data[:2] == b'\xff\xd8'
