"""Every base model config stacks images of different, odd sizes into a training batch.

mmseg's SegDataPreProcessor needs `size` or `size_divisor` to stack a training batch; a base
config with neither fails at the first iteration of every study config built on it.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
BASES = sorted(glob.glob(osp.join(REPO, 'configs', '_base_', 'models', '*.py')))


def _batch(sizes, num_classes):
    inputs, samples = [], []
    for h, w in sizes:
        inputs.append(torch.randint(0, 255, (3, h, w), dtype=torch.uint8))
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1, h, w)))
        sample.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('path', BASES, ids=lambda p: osp.basename(p))
def test_base_model_batches_odd_sizes(path):
    """Two images of different, odd sizes stack into one training batch."""
    cfg = Config.fromfile(path)
    init_default_scope('mmseg')
    model_cfg = cfg.model
    model_cfg.pop('init_cfg', None)
    model_cfg.backbone.pop('init_cfg', None)
    model_cfg.backbone.pop('pretrained', None)
    model_cfg.pop('pretrained', None)
    model = MODELS.build(model_cfg)
    num_classes = model.decode_head.num_classes
    data = model.data_preprocessor(_batch([(67, 75), (61, 83)], num_classes), True)
    assert data['inputs'].shape[0] == 2  # stacked: one size for the batch
    assert data['inputs'].shape[-2:] == data['data_samples'][0].gt_sem_seg.data.shape[-2:]
