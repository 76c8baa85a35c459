"""Split lists and image folders checked before the datasets are built, for any dataset.

mmseg's own datasets (``PascalVOCDataset``, ``CityscapesDataset``, ...) report a missing
split list as ``Failed to load `ann_file```, and an empty one, or an image folder without
images, as numpy's ``need at least one array to concatenate``, neither naming the loader or
the config field. :func:`check_split_lists` checks every dataset of the loaders a tool builds
(inside ``RepeatDataset``/``ConcatDataset`` too) and names the field and the fix.
"""
import inspect
import os
import os.path as osp
from typing import Optional, Sequence

from mmengine.config import Config

from mmseg.registry import DATASETS
from seglab.utils.data_root import dataset_fields


def _default(dataset: dict, name: str):
    """``dataset[name]``, else the dataset class's default for that argument."""
    if name in dataset:
        return dataset[name]
    cls = DATASETS.get(dataset['type']) if isinstance(dataset.get('type'), str) else None
    for klass in getattr(cls, '__mro__', ()):
        init = klass.__dict__.get('__init__')
        param = inspect.signature(init).parameters.get(name) if init else None
        if param is not None and param.default is not inspect.Parameter.empty:
            return param.default
    return None


def _has_file_ending(folder: str, suffix: str) -> bool:
    for _, _, files in os.walk(folder, followlinks=True):
        if any(f.endswith(suffix) for f in files):
            return True  # stops at the first hit: cheap on a full folder
    return False


def _join(root: str, path: str) -> str:
    return path if not root or osp.isabs(path) else osp.join(root, path)


def check_dataset_files(dataset: dict, field: str) -> None:
    """Raise naming ``field`` when the dataset's split list is missing or empty, or, without
    a split list, its image folder is missing or holds no image; local paths only."""
    root = dataset.get('data_root') or ''
    if dataset.get('backend_args') or '://' in str(root) or (root and not osp.isdir(root)):
        return  # remote storage; a missing data_root is check_data_roots' message
    ann_file = _default(dataset, 'ann_file')
    path = _join(root, ann_file) if isinstance(ann_file, str) and ann_file else None
    if path is not None and not osp.isdir(path):  # mmseg lists the images of a folder
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{field}.ann_file: the split list {path!r} does not exist (as seen from '
                f'{osp.abspath(".")}). Fix {field}.ann_file (relative to data_root '
                f'{root!r}) or data_root (dataset layouts: docs/datasets.md).')
        with open(path, 'rb') as f:
            if not any(line.strip() for line in f):
                raise ValueError(
                    f'{field}.ann_file: the split list {path} is empty: it names no image, so '
                    f'the dataset would have no samples. List the images of the split, one '
                    f'name per line, or point {field}.ann_file at another split.')
        return
    prefix = _default(dataset, 'data_prefix') or {}
    img_dir = prefix.get('img_path') if isinstance(prefix, dict) else None
    if not isinstance(img_dir, str):
        return
    img_dir = _join(root, img_dir)
    suffix: Optional[str] = _default(dataset, 'img_suffix')
    if not osp.isdir(img_dir):
        raise FileNotFoundError(
            f'{field}.data_prefix.img_path: the image folder {img_dir!r} does not exist. Fix '
            f'{field}.data_prefix or data_root (dataset layouts: docs/datasets.md).')
    if isinstance(suffix, str) and not _has_file_ending(img_dir, suffix):
        raise ValueError(
            f'{field}.data_prefix.img_path: the image folder {img_dir} holds no file ending '
            f'in {suffix!r}, so the dataset would have no samples. Fix the folder, '
            f'{field}.img_suffix or {field}.data_prefix.')


def check_split_lists(cfg: Config, loaders: Sequence[str]) -> None:
    """:func:`check_dataset_files` for every dataset of ``loaders`` (absent ones ignored)."""
    for dataset, field in dataset_fields(cfg, loaders):
        check_dataset_files(dataset, field)
