"""One seed, several arms: the randomness a comparison must hold fixed is the same.

Arms that differ only in the loss see the same initial weights, the same batches (data order
and augmentation draws: the image tensors themselves) and the same torch random state at
every dropout call of the training pass (hence the same dropout masks). An arm with another
architecture sees the same batches. Another seed changes all of it.
"""
import hashlib

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmengine.runner import Runner

from helpers import SMOKE_CONFIG

ITERS = 3
RECORDS = {}


def digest(tensor):
    return hashlib.sha1(tensor.detach().contiguous().cpu().numpy().tobytes()).hexdigest()


@HOOKS.register_module(force=True)
class RecordRandomnessHook(Hook):
    """Hashes of the initial weights, each batch and the torch RNG state at each dropout."""

    def __init__(self, key):
        self.record = RECORDS[key]  # the config deep-copies its values: share through a key

    def before_train(self, runner):
        model = runner.model
        self.record['weights'] = digest(torch.cat([p.flatten() for p in
                                                   model.state_dict().values()
                                                   if p.is_floating_point()]))
        for module in model.modules():
            if isinstance(module, torch.nn.modules.dropout._DropoutNd):
                module.register_forward_pre_hook(self._dropout_state)

    def _dropout_state(self, module, inputs):
        if module.training:
            self.record['dropout'].append(digest(torch.get_rng_state()))

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.record['paths'].append([s.img_path for s in data_batch['data_samples']])
        self.record['batches'].append([digest(x) for x in data_batch['inputs']]
                                      + [digest(s.gt_sem_seg.data)
                                         for s in data_batch['data_samples']])


def train_record(voc_root, work_dir, seed, options):
    cfg = Config.fromfile(SMOKE_CONFIG)
    record = RECORDS[str(work_dir)] = dict(paths=[], batches=[], dropout=[])
    cfg.merge_from_dict({
        'work_dir': str(work_dir), 'randomness.seed': seed,
        'train_dataloader.dataset.data_root': voc_root, 'train_cfg.max_iters': ITERS,
        'default_hooks.checkpoint.interval': 1000, **options})
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.custom_hooks = [dict(type='RecordRandomnessHook', key=str(work_dir))]
    Runner.from_cfg(cfg).train()
    return record


ARCH_B = {'model.backbone.base_channels': 4,
          'model.decode_head.in_channels': [4, 8, 16, 32, 64],
          'model.decode_head.channels': 4}
LOSSES = {'ce': dict(type='CrossEntropyLoss', loss_weight=1.0),
          'focal': dict(type='SoftmaxFocalLoss', gamma=2.0),
          'dice': dict(type='MultiClassDiceLoss')}


@pytest.mark.slow
def test_one_seed_gives_arms_the_same_randomness(synthetic_voc_root, tmp_path):
    runs = {name: train_record(synthetic_voc_root, tmp_path / name, 3,
                               {'model.decode_head.loss_decode': loss})
            for name, loss in LOSSES.items()}
    runs['arch_b'] = train_record(synthetic_voc_root, tmp_path / 'arch_b', 3, ARCH_B)
    runs['seed4'] = train_record(synthetic_voc_root, tmp_path / 'seed4', 4, {})
    ce = runs['ce']
    assert len(ce['batches']) == ITERS and len(ce['dropout']) == ITERS
    for name in ('focal', 'dice'):
        for key in ('weights', 'paths', 'batches', 'dropout'):
            assert runs[name][key] == ce[key], f'{name}: {key} differs from ce'
    assert runs['arch_b']['paths'] == ce['paths']
    assert runs['arch_b']['batches'] == ce['batches']
    assert runs['seed4']['batches'] != ce['batches']
    assert runs['seed4']['weights'] != ce['weights']
    assert runs['seed4']['dropout'] != ce['dropout']
