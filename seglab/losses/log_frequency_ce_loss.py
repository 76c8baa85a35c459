"""Log inverse-frequency weighted cross-entropy (study 000, §3.3, eq. 2-4).

Study 000: Zhang & Tong, *Semantic Segmentation on PASCAL VOC 2012: A Comparative Study of
U-Net and ResNet-50 U-Net*.
"""
import json
import math
import os.path as osp
from typing import List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .utils import PixelLossBase, finite_class_values, gather_class, valid_mean


def load_class_frequency(class_frequency: Union[str, Sequence[float]]) -> List[float]:
    """Class frequencies from a list or the JSON of the class-frequency tool.

    The JSON (``tools/analysis_tools/class_frequency.py``) holds at least the
    keys ``classes`` and ``frequency``; ``frequency`` is a list aligned with
    ``classes`` or a ``{class name: frequency}`` mapping.
    """
    if not isinstance(class_frequency, str):
        return finite_class_values(list(class_frequency), 'the class_frequency list')
    if not osp.isfile(class_frequency):
        raise FileNotFoundError(
            f'LogFrequencyCELoss: class_frequency file {class_frequency!r} not found; '
            'write it with tools/analysis_tools/class_frequency.py or pass a list.')
    with open(class_frequency) as f:
        try:
            data = json.load(f)
        except ValueError as err:
            raise ValueError(f'LogFrequencyCELoss: {class_frequency!r} is not valid JSON '
                             f'({err}); regenerate it with '
                             'tools/analysis_tools/class_frequency.py.') from None
    if not isinstance(data, dict) or 'frequency' not in data:
        raise KeyError(f"LogFrequencyCELoss: {class_frequency!r} has no 'frequency' "
                       f'field (keys: {sorted(data)}); regenerate it with '
                       'tools/analysis_tools/class_frequency.py.')
    freq = data['frequency']
    classes = data.get('classes')
    if isinstance(freq, dict):
        classes = classes or list(freq)
        missing = [c for c in classes if c not in freq]
        if missing:
            raise KeyError(f"LogFrequencyCELoss: {class_frequency!r}: 'frequency' has no "
                           f'entry for the classes {missing}.')
        freq = [freq[c] for c in classes]
    return finite_class_values(freq, f"{class_frequency!r}: 'frequency'", classes)


@MODELS.register_module()
class LogFrequencyCELoss(PixelLossBase):
    """Log inverse-frequency weighted cross-entropy (study 000, §3.3).

    The "logarithmic frequency-weighted loss" of Zhang & Tong, *Semantic
    Segmentation on PASCAL VOC 2012: A Comparative Study of U-Net and ResNet-50
    U-Net* (study 000), §3.3:
    w_c = 1 / ln(1.02 + f_c) (eq. 2), w~_c = w_c / mean_j w_j (eq. 3),
    L = -(1/N) sum_i w~_{y_i} log p_{i, y_i} (eq. 4) with N the number of
    valid (non-ignored) pixels of the batch, not the sum of the weights that
    PyTorch's / mmseg's weighted ``mean`` divides by. Unlike mmseg's
    ``CrossEntropyLoss(class_weight=...)`` this never indexes the weights with
    the ignore label (255).

    Args:
        class_frequency (list[float] | str): Pixel frequency f_c of each class,
            or the path of the JSON written by the class-frequency tool (its
            ``frequency`` field is read).
        loss_weight (float): Multiplier of the loss. Default: 1.0.
        loss_name (str): Default: 'loss_ce'.
    """

    def __init__(self,
                 class_frequency: Union[str, Sequence[float]],
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ce') -> None:
        super().__init__(loss_weight, loss_name)
        freq = load_class_frequency(class_frequency)
        if any(f < 0 for f in freq):
            raise ValueError(f'LogFrequencyCELoss: class frequencies must be >= 0, got {freq}')
        weights = [1.0 / math.log(1.02 + f) for f in freq]
        mean = sum(weights) / len(weights)
        self.register_buffer('class_weight',
                             torch.tensor([w / mean for w in weights]),
                             persistent=False)

    def compute_loss(self, logits: Tensor, safe_label: Tensor, valid: Tensor,
                     weight: Optional[Tensor], **kwargs) -> Tensor:
        if logits.shape[1] != self.class_weight.numel():
            raise ValueError(f'LogFrequencyCELoss: {self.class_weight.numel()} class frequencies '
                             f'for a head with {logits.shape[1]} classes; the frequency list/JSON '
                             'must have one entry per class of the dataset.')
        nll = -gather_class(F.log_softmax(logits, dim=1), safe_label)
        per_pixel = self.class_weight.to(logits.device)[safe_label] * nll
        return valid_mean(per_pixel, valid, weight)
