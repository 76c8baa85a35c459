"""--data-root sets every loader's data root (through dataset wrappers); a missing root is an
error naming the loader."""
import os
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from seglab.utils.data_root import check_data_roots, set_data_root

from helpers import REPO, SMOKE_CONFIG as TINY



def _wrapped_config():
    cfg = Config.fromfile(TINY)
    voc = cfg.train_dataloader.dataset
    cfg.train_dataloader.dataset = dict(
        type='ConcatDataset',
        datasets=[dict(type='RepeatDataset', times=2, dataset=voc), voc])
    cfg.test_dataloader = dict(cfg.val_dataloader)
    return cfg


def test_sets_every_loader_through_wrappers(tmp_path):
    cfg = _wrapped_config()
    fields = set_data_root(cfg, str(tmp_path))
    assert fields == [
        'train_dataloader.dataset.datasets[0].dataset.data_root',
        'train_dataloader.dataset.datasets[1].data_root',
        'val_dataloader.dataset.data_root',
        'test_dataloader.dataset.data_root',
    ]
    datasets = cfg.train_dataloader.dataset.datasets
    assert datasets[0].dataset.data_root == datasets[1].data_root == str(tmp_path)
    assert cfg.val_dataloader.dataset.data_root == cfg.test_dataloader.dataset.data_root
    assert cfg.test_dataloader.dataset.data_root == str(tmp_path)
    check_data_roots(cfg, ['train_dataloader', 'val_dataloader', 'test_dataloader'])


def test_missing_root_names_the_loader(tmp_path):
    cfg = _wrapped_config()
    set_data_root(cfg, str(tmp_path))
    missing = str(tmp_path / 'nowhere')
    cfg.val_dataloader.dataset.data_root = missing
    check_data_roots(cfg, ['train_dataloader'])  # val is not built: not checked
    with pytest.raises(FileNotFoundError) as err:
        check_data_roots(cfg, ['train_dataloader', 'val_dataloader'])
    assert str(err.value).startswith(
        f"val_dataloader.dataset.data_root {missing!r} does not exist (as seen from ")
    assert str(err.value).endswith(
        'Point every loader at your data with --data-root DIR, or this one with --cfg-options '
        'val_dataloader.dataset.data_root=DIR (dataset layouts: docs/datasets.md).')


def test_train_tool_reports_the_loader(tmp_path):
    run = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'), TINY, '--work-dir',
         str(tmp_path / 'work'), '--cfg-options', f'train_dataloader.dataset.data_root={tmp_path}'],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert run.returncode != 0
    assert ("FileNotFoundError: val_dataloader.dataset.data_root "
            "'data/synthetic_voc/VOCdevkit/VOC2012' does not exist") in run.stderr
