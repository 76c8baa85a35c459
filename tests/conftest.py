"""Shared fixtures: the synthetic VOC dataset and the optional ../shared material."""
import os
import os.path as osp

import pytest

import seglab  # noqa: F401  (registers seglab and applies the compat layer)
from seglab.datasets.synthetic_voc import generate_synthetic_voc

from helpers import REPO as REPO_ROOT  # tests/ is on sys.path: pytest put it there for us


def shared_root() -> str:
    """``../shared`` beside the repository, or ``$SEGLAB_SHARED``."""
    return os.environ.get('SEGLAB_SHARED', osp.join(osp.dirname(REPO_ROOT), 'shared'))


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO_ROOT


@pytest.fixture(scope='session')
def shared_dir() -> str:
    root = shared_root()
    if not osp.isdir(root):
        pytest.skip(f'shared material not found at {root} (set SEGLAB_SHARED)')
    return root


@pytest.fixture(scope='session')
def synthetic_voc(tmp_path_factory) -> str:
    """A small synthetic VOC dataset; returns the directory holding ``VOCdevkit/``."""
    out = str(tmp_path_factory.mktemp('synthetic_voc'))
    generate_synthetic_voc(out, num_train=16, num_val=8, seed=0,
                           size_range=((60, 80), (72, 100)))
    return out


@pytest.fixture(scope='session')
def synthetic_voc_root(synthetic_voc) -> str:
    """``VOCdevkit/VOC2012`` of the small synthetic dataset."""
    return osp.join(synthetic_voc, 'VOCdevkit', 'VOC2012')
