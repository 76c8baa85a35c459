"""Every base dataset config through tools/train.py and tools/test.py (2 iterations, tiny UNet).

Slow (a few training processes): run with ``pytest -m slow``. Data: generated fixtures in each
dataset's official layout (VOC from the synthetic generator).
"""
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from helpers import REPO

TINY = '''
_base_ = ['mmseg::_base_/models/fcn_unet_s5-d16.py', '{repo}/configs/_base_/datasets/{name}.py',
          '{repo}/configs/_base_/default_runtime.py',
          '{repo}/configs/_base_/schedules/schedule_adamw_2k.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=None, size_divisor=16, test_cfg=dict(size_divisor=16)),
    backbone=dict(base_channels=8, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=8, channels=8, num_classes={nc}, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=16, channels=8, num_classes={nc}, norm_cfg=norm_cfg),
    test_cfg=dict(mode='whole'))
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        sampler=dict(type='InfiniteSampler', shuffle=True),
                        dataset=dict(data_root='{root}'))
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(data_root='{root}', indices=2))
test_dataloader = val_dataloader
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
'''


def _image(path, size, rng):
    Image.fromarray(rng.integers(0, 255, size + (3, ), dtype=np.uint8)).save(path)


def _camvid(root, rng):
    for split, n in (('train', 3), ('val', 2), ('test', 2)):
        (root / split).mkdir(parents=True)
        (root / f'{split}annot').mkdir()
        lines = []
        for i in range(n):
            _image(root / split / f'{i}.png', (36, 48), rng)
            Image.fromarray(rng.integers(0, 12, (36, 48), dtype=np.uint8)).save(
                root / f'{split}annot' / f'{i}.png')
            lines.append(f'/SegNet/CamVid/{split}/{i}.png /SegNet/CamVid/{split}annot/{i}.png')
        (root / f'{split}.txt').write_text('\n'.join(lines) + '\n')


def _pet(root, rng):
    (root / 'images').mkdir(parents=True)
    (root / 'annotations' / 'trimaps').mkdir(parents=True)
    for split, names in (('trainval', ('Abyssinian_1', 'pug_2', 'beagle_3')),
                         ('test', ('boxer_4', 'Sphynx_5'))):
        for name in names:
            _image(root / 'images' / f'{name}.jpg', (40, 50), rng)
            Image.fromarray(rng.integers(1, 4, (40, 50), dtype=np.uint8)).save(
                root / 'annotations' / 'trimaps' / f'{name}.png')
        (root / 'annotations' / f'{split}.txt').write_text(
            ''.join(f'{n} 1 1 1\n' for n in names))


def _cityscapes(root, rng):
    for split in ('train', 'val'):
        images = root / 'leftImg8bit' / split / 'aachen'
        labels = root / 'gtFine' / split / 'aachen'
        images.mkdir(parents=True)
        labels.mkdir(parents=True)
        for i in range(2):
            stem = f'aachen_{i:06d}_000019'
            _image(images / f'{stem}_leftImg8bit.png', (32, 64), rng)
            Image.fromarray(rng.integers(0, 19, (32, 64), dtype=np.uint8)).save(
                labels / f'{stem}_gtFine_labelTrainIds.png')


@pytest.mark.slow
@pytest.mark.parametrize('name,num_classes', [('voc8', 8), ('synthetic_voc', 21), ('camvid', 11),
                                              ('oxford_pet', 2), ('cityscapes_512x256', 19)])
def test_train_and_test_run(name, num_classes, synthetic_voc_root, tmp_path):
    rng = np.random.default_rng(0)
    root = {'voc8': synthetic_voc_root, 'synthetic_voc': synthetic_voc_root}.get(name)
    if root is None:
        root = tmp_path / 'data'
        dict(camvid=_camvid, oxford_pet=_pet, cityscapes_512x256=_cityscapes)[name](root, rng)
    config = tmp_path / f'tiny_{name}.py'
    config.write_text(TINY.format(repo=REPO, name=name, nc=num_classes, root=root))
    work_dir = tmp_path / 'work'
    train = subprocess.run([sys.executable, osp.join(REPO, 'tools/train.py'), str(config),
                            '--work-dir', str(work_dir)],
                           capture_output=True, text=True, timeout=300)
    assert train.returncode == 0, train.stderr[-3000:]
    checkpoint = work_dir / 'iter_2.pth'
    assert checkpoint.is_file()
    test = subprocess.run([sys.executable, osp.join(REPO, 'tools/test.py'), str(config),
                           str(checkpoint), '--work-dir', str(work_dir)],
                          capture_output=True, text=True, timeout=300)
    assert test.returncode == 0, test.stderr[-3000:]
    assert 'mIoU' in test.stdout + test.stderr
