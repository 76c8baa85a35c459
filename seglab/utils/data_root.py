"""``--data-root``: one data root for every dataloader, and errors that name the loader.

A config spells its data root once per dataloader (``train_dataloader.dataset.data_root``,
``val_...``, ``test_...``, deeper inside dataset wrappers such as ``RepeatDataset`` or
``ConcatDataset``), so moving the data took three ``--cfg-options``; forgetting one failed
deep inside the dataset with a path and no hint of which loader held it.
"""
import os.path as osp
from typing import Iterator, List, Sequence, Tuple

from mmengine.config import Config


def _leaf_datasets(dataset, field: str) -> Iterator[Tuple[dict, str]]:
    """The non-wrapper datasets under ``dataset``, with their config field names."""
    if not isinstance(dataset, dict):
        return
    if isinstance(dataset.get('dataset'), dict):
        yield from _leaf_datasets(dataset['dataset'], f'{field}.dataset')
    elif isinstance(dataset.get('datasets'), (list, tuple)):
        for i, child in enumerate(dataset['datasets']):
            yield from _leaf_datasets(child, f'{field}.datasets[{i}]')
    else:
        yield dataset, field


def dataloader_names(cfg: Config) -> List[str]:
    """The config's dataloaders: every top-level ``*_dataloader`` with a ``dataset``."""
    return [k for k, v in cfg.items()
            if k.endswith('_dataloader') and isinstance(v, dict) and 'dataset' in v]


def dataset_fields(cfg: Config, loaders: Sequence[str]) -> Iterator[Tuple[dict, str]]:
    for loader in loaders:
        if isinstance(cfg.get(loader), dict):
            yield from _leaf_datasets(cfg[loader].get('dataset'), f'{loader}.dataset')


def set_data_root(cfg: Config, data_root: str) -> List[str]:
    """Set ``data_root`` of every dataset of every dataloader; returns the fields set."""
    fields = []
    for dataset, field in dataset_fields(cfg, dataloader_names(cfg)):
        dataset['data_root'] = data_root
        fields.append(f'{field}.data_root')
    if not fields:
        raise ValueError('--data-root: the config has no dataloader with a dataset '
                         '(train_dataloader / val_dataloader / test_dataloader).')
    if 'data_root' in cfg:  # keep the config's own variable consistent (dumped configs)
        cfg.data_root = data_root
    return fields


def check_data_roots(cfg: Config, loaders: Sequence[str]) -> None:
    """Raise a ``FileNotFoundError`` naming the loader whose ``data_root`` is missing.

    Args:
        cfg (Config): The config about to be run.
        loaders (Sequence[str]): The dataloaders the tool builds, e.g.
            ``('train_dataloader', 'val_dataloader')``; absent ones are ignored.
    """
    for dataset, field in dataset_fields(cfg, loaders):
        root = dataset.get('data_root')
        if not root or '://' in str(root) or osp.isdir(root):
            continue
        raise FileNotFoundError(
            f'{field}.data_root {root!r} does not exist (as seen from {osp.abspath(".")}). '
            f'Point every loader at your data with --data-root DIR, or this one with '
            f'--cfg-options {field}.data_root=DIR (dataset layouts: docs/datasets.md).')
