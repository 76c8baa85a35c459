"""``val_loss`` of a multi-task model: the decode head's loss plus the image heads'."""
from typing import Dict, Optional, Sequence

import torch
from mmengine.dist import all_reduce
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from .val_loss_hook import ValLossHook


@HOOKS.register_module()
class MultiTaskValLossHook(ValLossHook):
    """:class:`ValLossHook` for ``MultiTaskEncoderDecoder``: the total validation loss.

    Study 002 §6.2 monitors Keras' ``val_loss`` of the multi-task model, the sum of the label,
    box and mask losses. This hook adds each image head's loss (``cls.loss_ce``,
    ``box.loss_l1``, computed from the outputs ``predict`` stored in the validation
    predictions: no second forward) to the metrics and to ``key``, on top of
    ``ValLossHook``'s decode-head terms; a model without a decode head gets the image heads'
    terms only. Each image's loss is its own; the epoch value is the mean over images. The
    decode head's total is also logged as ``decode.<key>``.

    Args:
        key (str): Metric name of the total. Default: 'val_loss'.
    """

    def before_val_epoch(self, runner) -> None:
        super().before_val_epoch(runner)
        self._image_sums: Dict[str, float] = {}
        self._image_count = 0

    @staticmethod
    def _model(runner):
        return runner.model.module if is_model_wrapper(runner.model) else runner.model

    def after_val_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                       outputs: Optional[Sequence] = None) -> None:
        model = self._model(runner)
        if getattr(model, 'decode_head', None) is not None:
            super().after_val_iter(runner, batch_idx, data_batch, outputs)
        if not getattr(model, 'image_heads', None):
            return
        with torch.no_grad():
            for sample in outputs or []:
                for name, value in model.image_head_losses_from_predictions([sample]).items():
                    self._image_sums[name] = self._image_sums.get(name, 0.0) + float(value)
                self._image_count += 1

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        model = self._model(runner)
        decode_total = 0.0
        if getattr(model, 'decode_head', None) is not None:
            # The parent logs its total under its key; logging `key` twice in one epoch
            # would make the log processor report the mean of both values, so the decode
            # total goes under its own name and `key` is logged once, below.
            key, self.key = self.key, f'decode.{self.key}'
            try:
                super().after_val_epoch(runner, metrics)
            finally:
                self.key = key
            decode_total = (metrics or {}).get(f'decode.{key}', 0.0)
        heads = getattr(model, 'image_heads', None) or {}
        names = sorted(f'{head_name}.{loss}' for head_name, head in heads.items()
                       for loss in head.loss_names)
        totals = torch.tensor([self._image_sums.get(n, 0.0) for n in names] +
                              [float(self._image_count)], dtype=torch.float64)
        all_reduce(totals)
        count = totals[-1].item()
        has_decode = f'decode.{self.key}' in (metrics or {})
        if metrics is None or (count == 0 and not has_decode):
            return
        values = {name: totals[i].item() / count for i, name in enumerate(names)} if count else {}
        total = decode_total + sum(values.values())
        values[self.key] = total
        for name, value in values.items():
            metrics[name] = value
            runner.message_hub.update_scalar(f'val/{name}', value)

