"""Shared helpers of seglab's losses: ignore masking, float32 casting, valid-pixel mean.

Every seglab loss follows mmseg's call ``loss(cls_score, label, weight=None,
ignore_index=255)`` (see ``BaseDecodeHead.loss_by_feat``) and returns a scalar.
"""
import json
import math
import numbers
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor


class PixelLossBase(nn.Module):
    """Common call, ``loss_weight`` and ``loss_name`` handling of seglab's losses.

    :meth:`forward` takes mmseg's call, runs :func:`prepare_inputs` and returns
    ``loss_weight`` times :meth:`compute_loss`, which each subclass implements
    on the prepared (float32, ignore-masked) inputs.

    Args:
        loss_weight (float): Multiplier of the returned loss. Default: 1.0.
        loss_name (str): Name under which the loss is logged; mmseg only sums
            entries whose name starts with ``loss_``. Default: 'loss_ce'.
    """

    def __init__(self, loss_weight: float = 1.0, loss_name: str = 'loss_ce') -> None:
        super().__init__()
        if not isinstance(loss_name, str) or not loss_name.startswith('loss_'):
            raise ValueError(f'{type(self).__name__}: loss_name={loss_name!r} must start with '
                             "'loss_', otherwise mmseg does not add it to the total loss.")
        self.loss_weight = float(loss_weight)
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        """Key of this loss in the dict returned by the decode head."""
        return self._loss_name

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: int = 255,
                **kwargs) -> Tensor:
        """``loss_weight * compute_loss(...)`` on the prepared inputs.

        Args:
            cls_score (Tensor): Logits (N, C, H, W), any float dtype.
            label (Tensor): Labels (N, H, W) or (N, 1, H, W).
            weight (Tensor, optional): Per-pixel weight (N, H, W). Default: None.
            ignore_index (int): Label value to ignore. Default: 255.
            **kwargs: Passed on to :meth:`compute_loss` (e.g. ``mc_probs``).
        """
        logits, safe_label, valid = prepare_inputs(cls_score, label, ignore_index)
        return self.loss_weight * self.compute_loss(logits, safe_label, valid, weight, **kwargs)

    def compute_loss(self, logits: Tensor, safe_label: Tensor, valid: Tensor,
                     weight: Optional[Tensor], **kwargs) -> Tensor:
        """The loss before ``loss_weight``, from :func:`prepare_inputs`' outputs."""
        raise NotImplementedError(f'{type(self).__name__} must implement compute_loss')


def prepare_inputs(cls_score: Tensor, label: Tensor,
                   ignore_index: Optional[int]) -> Tuple[Tensor, Tensor, Tensor]:
    """Cast logits to float32 and build the valid-pixel mask.

    Args:
        cls_score (Tensor): Logits (N, C, H, W), any float dtype (AMP).
        label (Tensor): Labels (N, H, W) or (N, 1, H, W).
        ignore_index (int | None): Label value to ignore.

    Returns:
        tuple: float32 logits (N, C, H, W); labels (N, H, W) with ignored pixels
        replaced by 0 so they can be used as indices; bool valid mask (N, H, W).
    """
    if cls_score.dim() != 4:
        raise ValueError(f'cls_score must be (N, C, H, W) logits, got shape '
                         f'{tuple(cls_score.shape)}')
    if label.dim() == 4 and label.shape[1] == 1:
        label = label.squeeze(1)
    if label.shape != cls_score.shape[:1] + cls_score.shape[2:]:
        raise ValueError(f'label shape {tuple(label.shape)} does not match '
                         f'cls_score shape {tuple(cls_score.shape)} (N, C, H, W)')
    # Losses are computed in float32 even under AMP: log-softmax and powers of
    # probabilities underflow in float16.
    logits = cls_score.float()
    label = label.long()
    num_classes = logits.shape[1]
    valid = (label >= 0) & (label < num_classes)
    if ignore_index is not None:
        valid &= label != ignore_index
    safe_label = torch.where(valid, label, torch.zeros_like(label))
    return logits, safe_label, valid


def valid_mean(per_pixel: Tensor, valid: Tensor, weight: Optional[Tensor] = None) -> Tensor:
    """Sum of ``per_pixel`` over valid pixels divided by the number of valid pixels.

    An all-ignored batch gives exactly 0 with zero gradients (never NaN): the
    ignored entries are removed with ``torch.where`` (not multiplied by 0, which
    would propagate an inf) and the count is clamped to 1.
    """
    if weight is not None:
        per_pixel = per_pixel * weight.float().reshape(per_pixel.shape)
    masked = torch.where(valid, per_pixel, torch.zeros_like(per_pixel))
    return masked.sum() / valid.sum().clamp(min=1)


def gather_class(x: Tensor, safe_label: Tensor) -> Tensor:
    """Pick x[n, y, h, w] for every pixel: (N, C, H, W) -> (N, H, W)."""
    return x.gather(1, safe_label.unsqueeze(1)).squeeze(1)


def per_class_tensor(values: Union[float, Sequence[float]], num_classes: int, like: Tensor,
                     name: str) -> Tensor:
    """A scalar or a per-class list as a float32 (C,) tensor on ``like``'s device."""
    if isinstance(values, (int, float)):
        return like.new_full((num_classes, ), float(values), dtype=torch.float32)
    t = torch.as_tensor(list(values), dtype=torch.float32, device=like.device)
    if t.numel() != num_classes:
        raise ValueError(f'{name} has {t.numel()} entries but the head predicts '
                         f'{num_classes} classes; give one value per class.')
    return t


def load_class_weight(path: str, key: str) -> List[float]:
    """The per-class weight list ``key`` of a JSON written by the class-frequency tool.

    ``tools/analysis_tools/class_frequency.py`` writes ``median_frequency_weights``,
    ``inverse_frequency_weights`` and ``log_weights`` (aligned with ``classes``). Only numbers
    are taken from the file: anything else is an error naming the file and the field.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'class weight file {path!r} not found; write it from the training split with\n'
            f'  python tools/analysis_tools/class_frequency.py CONFIG --split train --out {path}')
    with open(path) as f:
        data = json.load(f)
    values = data.get(key) if isinstance(data, dict) else None
    if not isinstance(values, list) or not values or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        fields = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise ValueError(f'{path!r}: field {key!r} must be a non-empty list of numbers '
                         f'(fields: {fields}); regenerate the file with '
                         'tools/analysis_tools/class_frequency.py.')
    return finite_class_values(values, f'{path!r}: field {key!r}', data.get('classes'))


def finite_class_values(values, source: str,
                        classes: Optional[Sequence[str]] = None) -> List[float]:
    """Per-class frequencies/weights as floats; a NaN, infinite, negative or non-numeric entry
    is a ``ValueError`` naming ``source`` (the file and field) and the entry's class.

    Python's JSON reader accepts ``NaN`` and ``Infinity``; one such entry makes the loss NaN
    from the first iteration on.
    """
    if not isinstance(values, (list, tuple)):
        raise ValueError(f'{source}: expected a list of per-class numbers, got '
                         f'{type(values).__name__}.')
    checked = []
    for i, value in enumerate(values):
        number = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < 0:
            name = (f' ({classes[i]!r})' if isinstance(classes, (list, tuple))
                    and i < len(classes) else '')
            raise ValueError(
                f'{source}: entry {i}{name} is {value!r}; every entry must be a finite number '
                f'>= 0. Regenerate the file with tools/analysis_tools/class_frequency.py or '
                f'fix that entry.')
        checked.append(float(value))
    return checked
