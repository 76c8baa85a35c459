"""Fail before the first iteration when the heads and the dataset disagree on the classes."""
from mmengine.hooks import Hook

from mmseg.registry import HOOKS

from .num_classes_check import check_loader_num_classes, check_num_classes


@HOOKS.register_module()
class ClassNumberCheckHook(Hook):
    """Compare every head's ``num_classes`` with the train/val/test datasets' classes.

    Without it, a head predicting fewer classes than the labels trains until a loss indexes
    out of range (or, with more classes, trains silently on a wrong setup). The check runs at
    ``before_run``, when mmengine has built the model and the loops' datasets, and raises a
    ``ValueError`` naming both numbers and the config fields to fix. The label-range
    ``num_classes`` given to ``CheckedLoadAnnotations`` is checked against the dataset too.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        for field, loop_attr in (('train_dataloader', '_train_loop'),
                                 ('val_dataloader', '_val_loop'),
                                 ('test_dataloader', '_test_loop')):
            loop = getattr(runner, loop_attr, None)
            dataloader = getattr(loop, 'dataloader', None)
            if dataloader is None:  # loop not built (e.g. val during test), or a dict
                continue
            check_num_classes(runner.model, dataloader.dataset, f'{field}.dataset')
            check_loader_num_classes(dataloader.dataset, f'{field}.dataset')
