"""Image-level classification: one label (softmax) or the classes present (sigmoid)."""
from typing import Dict, List, Optional

import torch
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor, nn


@MODELS.register_module()
class ImageClassificationHead(nn.Module):
    """A linear classifier on the pooled image vector of :class:`GlobalPoolFCNeck`.

    Single-label (study 002 §6.1: the 37 Oxford-IIIT Pet breeds, softmax, sparse categorical
    CE) reads ``gt_label`` (a scalar long tensor, ``-1`` = no label: the image is left out of
    the loss) from each data sample. Multi-label (which classes an image shows, sigmoid +
    binary CE per class) reads ``gt_presence`` (a float ``(num_classes,)`` 0/1 vector).
    Both come from :class:`PackMultiTaskInputs`. mmpretrain's heads need mmpretrain's data
    samples and cannot share a trunk with a box head, hence this small head.

    Predictions written into each data sample: ``pred_scores`` (softmax or sigmoid
    probabilities, ``(num_classes,)``), ``pred_label`` (the arg-max; single-label only) and
    ``pred_cls_logits`` (the raw logits, for the validation loss).

    Args:
        in_channels (int): Width of the pooled vector.
        num_classes (int): Number of labels.
        multi_label (bool): Sigmoid per class instead of one softmax. Default: False.
        loss (dict, optional): The loss; None is mmseg's ``CrossEntropyLoss`` (with
            ``use_sigmoid=True`` when ``multi_label``), ``loss_weight=1.0``, logged as
            ``<head name>.loss_ce``. Default: None.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 multi_label: bool = False,
                 loss: Optional[dict] = None) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.multi_label = multi_label
        self.fc = nn.Linear(in_channels, num_classes)
        self.loss_fn = MODELS.build(loss or dict(
            type='CrossEntropyLoss', use_sigmoid=multi_label, loss_weight=1.0))
        self.target_key = 'gt_presence' if multi_label else 'gt_label'

    @property
    def loss_names(self) -> list:
        return [self.loss_fn.loss_name]

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(x)

    def loss(self, x: Tensor, data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        return self.loss_by_output(self(x), data_samples)

    def loss_by_output(self, logits: Tensor,
                       data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        """The loss of ``logits`` (N, C) against the samples' targets."""
        missing = [i for i, s in enumerate(data_samples) if self.target_key not in s]
        if missing:
            raise KeyError(
                f'ImageClassificationHead: data sample {missing[0]} has no {self.target_key!r}; '
                f'pack the dataset targets with PackMultiTaskInputs (instead of '
                f'PackSegInputs) in the pipeline.')
        targets = torch.stack([s.get(self.target_key).to(logits.device)
                               for s in data_samples])
        if self.multi_label:
            valid = torch.ones(len(targets), dtype=torch.bool, device=logits.device)
        else:
            targets = targets.long().view(-1)
            valid = targets >= 0
        if not valid.any():  # keeps the graph (and DDP) intact
            return {self.loss_fn.loss_name: logits.sum() * 0}
        return {self.loss_fn.loss_name: self.loss_fn(logits[valid], targets[valid])}

    def predict(self, x: Tensor, data_samples: List[SegDataSample]) -> List[SegDataSample]:
        logits = self(x).detach()  # predictions, never trained through
        scores = logits.sigmoid() if self.multi_label else logits.softmax(dim=1)
        for sample, sample_logits, sample_scores in zip(data_samples, logits, scores):
            sample.pred_cls_logits = sample_logits
            sample.pred_scores = sample_scores
            if not self.multi_label:
                sample.pred_label = sample_scores.argmax()
        return data_samples

    def loss_from_predictions(self, data_samples: List[SegDataSample]) -> Dict[str, Tensor]:
        """The loss of what :meth:`predict` stored (validation loss without a new forward)."""
        logits = torch.stack([s.pred_cls_logits for s in data_samples]).float()
        return self.loss_by_output(logits, data_samples)
