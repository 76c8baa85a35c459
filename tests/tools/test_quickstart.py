"""The quickstart config builds and the summary finds mmengine's per-class table."""
import os.path as osp

import torch
from mmengine.config import Config

import seglab  # noqa: F401

from helpers import REPO, load_tool

QUICKSTART = osp.join(REPO, 'configs', 'quickstart', 'unet-w16_1xb8-600it_synthvoc-128x128.py')

# Verbatim shape of tools/test.py's log: the table is its own record after an empty one.
LOG = """11/24 06:33:05 - mmengine - INFO - per class results:
11/24 06:33:05 - mmengine - INFO - 
+-------------+-------+-------+-------+
|    Class    |  IoU  |  Acc  |  Dice |
+-------------+-------+-------+-------+
|  background | 98.34 |  99.9 | 99.16 |
|    person   | 44.71 | 99.95 |  61.8 |
+-------------+-------+-------+-------+
11/24 06:33:05 - mmengine - INFO - Iter(test) [40/40]    aAcc: 86.7700  mIoU: 18.2600  mAcc: 27.2600  mDice: 21.3100  data_time: 0.0034  time: 0.0383
"""  # noqa: W291,E501


def load_summary_module():
    return load_tool('tools/misc/quickstart_summary.py', 'quickstart_summary')


def test_summary_parses_the_table():
    summary = load_summary_module()
    table = summary.per_class_table(LOG).splitlines()
    assert table[0].startswith('+---') and len(table) == 6
    assert table[3].split('|')[1].strip() == 'background'
    assert summary.summary_line(LOG).startswith('aAcc: 86.7700  mIoU: 18.2600')


def test_quickstart_model_builds_for_voc_classes():
    from mmengine.registry import init_default_scope

    from mmseg.registry import MODELS
    cfg = Config.fromfile(QUICKSTART)
    assert cfg.train_cfg.max_iters == 600 and cfg.train_dataloader.batch_size == 8
    assert cfg.crop_size == (128, 128)
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        logits = model(torch.zeros(1, 3, 128, 128), mode='tensor')
    assert logits.shape == (1, 21, 128, 128)
