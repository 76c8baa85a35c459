"""The decode head's loss on the validation split, as a metric (Keras' ``val_loss``)."""
from typing import Dict, Optional, Sequence

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn

from mmseg.models.utils import resize
from mmseg.registry import HOOKS


@HOOKS.register_module()
class ValLossHook(Hook):
    """Add the validation loss to the validation metrics, for schedulers and early stopping.

    mmseg's validation runs ``predict`` and computes metrics, never a loss, so Keras-style
    protocols (study 002: ReduceLROnPlateau and EarlyStopping on ``val_loss``) had nothing to
    monitor. This hook evaluates the decode head's ``loss_decode`` (every loss of it, as in
    training) on the logits the validation step already predicted (``seg_logits``, resized to
    the label's size as ``BaseDecodeHead.loss_by_feat`` does) against ``gt_sem_seg``: no second
    forward pass. Each image's loss is the loss of that image alone (mean over its valid
    pixels); the epoch value is the mean over the images of the split (all ranks).

    The values are put into the ``metrics`` dict of ``after_val_epoch`` (``key`` = the sum of
    the losses, plus ``decode.<loss_name>`` for each) and into the message hub as
    ``val/<name>``, so the log shows them and every later hook reads them: the hook runs at
    priority NORMAL, after RuntimeInfoHook and before LoggerHook, ParamSchedulerHook
    (``ReduceOnPlateauLR(monitor='val_loss', rule='less')``), EarlyStoppingHook and the
    best-checkpoint rule of CheckpointHook. Auxiliary heads are not included (their logits
    are not part of the predictions).

    Args:
        key (str): Metric name of the total. Default: 'val_loss' (Keras' name).
    """

    priority = 'NORMAL'

    def __init__(self, key: str = 'val_loss') -> None:
        self.key = key
        self._sums: Dict[str, float] = {}
        self._count = 0

    def before_val_epoch(self, runner) -> None:
        self._sums, self._count = {}, 0

    @staticmethod
    def _decode_head(runner) -> nn.Module:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        head = getattr(model, 'decode_head', None)
        if head is None or not hasattr(head, 'loss_decode'):
            raise RuntimeError(f'ValLossHook: {type(model).__name__} has no decode_head with a '
                               'loss_decode; remove ValLossHook from custom_hooks (and monitor '
                               'a metric such as mIoU instead of val_loss).')
        return head

    @staticmethod
    def _losses(head: nn.Module) -> list:
        losses = head.loss_decode
        return list(losses) if isinstance(losses, nn.ModuleList) else [losses]

    def after_val_iter(self,
                       runner,
                       batch_idx: int,
                       data_batch: Optional[dict] = None,
                       outputs: Optional[Sequence] = None) -> None:
        head = self._decode_head(runner)
        losses = self._losses(head)
        with torch.no_grad():
            for sample in outputs or []:
                if 'seg_logits' not in sample or 'gt_sem_seg' not in sample:
                    raise ValueError(
                        'ValLossHook: a validation prediction has no seg_logits or no '
                        'gt_sem_seg; the val pipeline must load the labels '
                        '(LoadAnnotations before PackSegInputs).')
                logits = sample.seg_logits.data.unsqueeze(0).float()
                label = sample.gt_sem_seg.data.long()  # (1, H, W): a batch of one image
                if logits.shape[-2:] != label.shape[-2:]:
                    logits = resize(logits, size=label.shape[-2:], mode='bilinear',
                                    align_corners=head.align_corners)
                for loss in losses:
                    value = loss(logits, label, weight=None, ignore_index=head.ignore_index)
                    name = f'decode.{loss.loss_name}'
                    self._sums[name] = self._sums.get(name, 0.0) + float(value)
                self._count += 1

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        # The same names on every rank (a rank may have seen no image): from the model.
        names = sorted({f'decode.{loss.loss_name}'
                        for loss in self._losses(self._decode_head(runner))})
        totals = torch.tensor([self._sums.get(n, 0.0) for n in names] + [float(self._count)],
                              dtype=torch.float64)
        all_reduce(totals)  # a no-op without a process group
        count = totals[-1].item()
        if count == 0 or metrics is None:
            return
        values = {name: totals[i].item() / count for i, name in enumerate(names)}
        values[self.key] = sum(values.values())
        for name, value in values.items():
            metrics[name] = value
            runner.message_hub.update_scalar(f'val/{name}', value)
