"""Study 003: arms that differ only in the loss consume the same random numbers.

MCDropoutFCNHead draws its T Monte-Carlo masks from its own generator, so a CE run and a
CDFL run with omega = 0 (same value and gradient as CE) reach bit-identical weights through
mmengine's Runner (data order, augmentation, training-pass dropout unchanged); the generator's
state travels in the checkpoint so ``--resume`` continues the same masks.
"""
import itertools
import os.path as osp

import torch
import torch.nn as nn
from mmseg.registry import MODELS

from seglab.compat import safe_torch_load

from helpers import SMOKE_CONFIG, train_from_cfg

CE = dict(type='CrossEntropyLoss', avg_non_ignore=True)


@MODELS.register_module(name='_StreamTestBackbone', force=True)
class _StreamTestBackbone(nn.Module):
    """Two strided convs: enough for a runner test of the head."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU(), nn.Conv2d(8, 8, 3, 2, 1))

    def forward(self, x):
        return (self.body(x), )


_RUN_IDS = itertools.count()


def _cfg(voc_root, work_dir, loss_decode, max_iters=6):
    from mmengine.config import Config
    cfg = Config.fromfile(SMOKE_CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = voc_root
    cfg.model.backbone = dict(type='_StreamTestBackbone')
    cfg.model.decode_head = dict(type='MCDropoutFCNHead', in_channels=8, channels=8,
                                 num_convs=1, concat_input=False, dropout_ratio=0.5,
                                 num_classes=cfg.model.decode_head.num_classes, norm_cfg=None,
                                 align_corners=False, num_mc_samples=3,
                                 loss_decode=loss_decode)
    cfg.model.pop('auxiliary_head', None)
    cfg.optim_wrapper.optimizer = dict(type='SGD', lr=0.1, momentum=0.9)
    cfg.train_cfg.max_iters = max_iters
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.work_dir = str(work_dir)
    # Runners built within one second share mmengine's timestamp name, hence one MessageHub:
    # a name per run keeps each run's logged scalars its own.
    cfg.experiment_name = f'{osp.basename(str(work_dir))}_{next(_RUN_IDS)}'
    return cfg


def _weights(work_dir, it):
    ckpt = safe_torch_load(osp.join(work_dir, f'iter_{it}.pth'), map_location='cpu')
    return ckpt


def _same(a, b):
    assert a.keys() == b.keys()
    return all(torch.equal(a[k], b[k]) for k in a)


def test_ce_and_cdfl_omega0_runs_reach_bit_identical_weights(synthetic_voc_root, tmp_path):
    ce = train_from_cfg(_cfg(synthetic_voc_root, tmp_path / 'ce', CE))
    cdfl = train_from_cfg(_cfg(synthetic_voc_root, tmp_path / 'cdfl0',
                               dict(type='CrossDropoutFocalLoss', omega=0.0)))
    # The CDFL arm did draw Monte-Carlo samples (its head logged the DF/CE ratio)...
    hub = cdfl.message_hub
    assert 'train/decode.cdfl_df_to_ce' in hub.log_scalars
    assert 'train/decode.cdfl_df_to_ce' not in ce.message_hub.log_scalars
    # ...yet both runs saw the same dropout, data and augmentation: identical weights.
    a = _weights(tmp_path / 'ce', 6)['state_dict']
    b = _weights(tmp_path / 'cdfl0', 6)['state_dict']
    assert _same(a, b)
    first = _weights(tmp_path / 'ce', 4)['state_dict']
    assert not _same(first, a)  # training moved the weights: equality is not vacuous


CDFL_50 = dict(type='CrossDropoutFocalLoss', omega=50.0, gamma=1.0)


def _full_and_part_runs(voc_root, tmp_path):
    """A 6-iteration CDFL run and one stopped at iteration 4 (its iter_4.pth)."""
    full, part = tmp_path / 'full', tmp_path / 'part'
    train_from_cfg(_cfg(voc_root, full, CDFL_50))
    train_from_cfg(_cfg(voc_root, part, CDFL_50, max_iters=4))
    return full, part


def test_mc_generator_state_is_saved_and_restored_on_resume(synthetic_voc_root, tmp_path):
    full, part = _full_and_part_runs(synthetic_voc_root, tmp_path)
    ckpt = _weights(part, 4)
    assert isinstance(ckpt['rng_state']['modules']['decode_head'], torch.Tensor)
    train_from_cfg(_cfg(synthetic_voc_root, part, CDFL_50), resume=True)
    assert _same(_weights(part, 6)['state_dict'], _weights(full, 6)['state_dict'])


def test_resume_without_mc_generator_state_diverges(synthetic_voc_root, tmp_path):
    """Negative control: the resume test above can fail (DF matters at this omega)."""
    full, part = _full_and_part_runs(synthetic_voc_root, tmp_path)
    ckpt_path = osp.join(part, 'iter_4.pth')
    ckpt = torch.load(ckpt_path, map_location='cpu', weights_only=False)
    del ckpt['rng_state']['modules']
    torch.save(ckpt, ckpt_path)
    train_from_cfg(_cfg(synthetic_voc_root, part, CDFL_50), resume=True)
    assert not _same(_weights(part, 6)['state_dict'], _weights(full, 6)['state_dict'])
