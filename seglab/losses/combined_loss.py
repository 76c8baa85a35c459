"""Weighted CE + Dice + Focal loss with the presets of study 004 (§III.D, eq. 1, Table II).

Study 004: Swastika, *Comparative Analysis of Loss Functions for Semantic Segmentation: An
Empirical Study on Cityscapes Dataset*.
"""
import os.path as osp
from typing import Dict, Optional, Sequence, Union

from mmengine.logging import MessageHub
from mmseg.registry import MODELS
from torch import Tensor

from .multiclass_dice_loss import MultiClassDiceLoss
from .softmax_focal_loss import SoftmaxFocalLoss
from .utils import PixelLossBase, load_class_weight

#: Study 004 Table II: (w_c, w_d, w_f) for CE, Dice, Focal.
COMBINED_LOSS_PRESETS: Dict[str, tuple] = {
    'equal': (1.0, 1.0, 1.0),
    'ce_dominant': (1.0, 0.5, 0.5),
    'dice_dominant': (0.5, 1.0, 0.5),
    'focal_dominant': (0.5, 0.5, 1.0),
    'ce_only': (1.0, 0.0, 0.0),
    'dice_only': (0.0, 1.0, 0.0),
    'focal_only': (0.0, 0.0, 1.0),
}


@MODELS.register_module()
class CombinedLoss(PixelLossBase):
    """L = w_c CE + w_d Dice + w_f Focal (study 004, §III.D, eq. 1, Tables I-II).

    The weighted combination of Swastika, *Comparative Analysis of Loss Functions
    for Semantic Segmentation: An Empirical Study on Cityscapes Dataset* (study
    004), whose weight ablation gives the presets below (Table II).

    Terms (Table I): class-weighted CE (mean over valid pixels),
    :class:`MultiClassDiceLoss` (smooth 1e-6) and :class:`SoftmaxFocalLoss`
    (alpha 1, gamma 2); all ignore ``ignore_index``. The weighted sum is
    returned (one entry in the head's loss dict, so stock ``BaseDecodeHead``
    works). Each *unweighted* term is also written to mmengine's
    :class:`MessageHub` as ``train/<log_prefix>.<loss_name>_{ce,dice,focal}``
    while the module is in training mode, so it appears in the training log
    and the visualiser backends next to the total. ``log_prefix`` is the head
    the loss sits on, named as mmseg prefixes the head's losses (``decode``,
    ``aux``, ``aux_<i>``): :class:`seglab.engine.LossTermPrefixHook` sets it
    before training, so a decode and an auxiliary head with the same loss do
    not write into the same scalar. Without a prefix (a model used outside the
    runner) the key is ``train/<loss_name>_<term>``.

    Args:
        preset (str, optional): One of ``COMBINED_LOSS_PRESETS`` (equal,
            ce_dominant, dice_dominant, focal_dominant, ce_only, dice_only,
            focal_only). Overrides the three weights below. Default: None.
        ce_weight (float): w_c. Default: 1.0.
        dice_weight (float): w_d. Default: 1.0.
        focal_weight (float): w_f. Default: 1.0.
        class_weight (list[float] | str, optional): Per-class weights of the
            CE term, or the path of a JSON written by
            ``tools/analysis_tools/class_frequency.py`` whose
            ``class_weight_key`` list is read. A missing file is an error at
            the first forward (naming the file and the command that writes
            it), not at construction, so configs build without the data.
            Default: None.
        class_weight_key (str): Field of the JSON ``class_weight`` points to.
            Default: 'median_frequency_weights'.
        gamma (float): Focal gamma. Default: 2.0.
        alpha (float | list[float]): Focal alpha. Default: 1.0.
        smooth (float): Dice smoothing. Default: 1e-6.
        loss_weight (float): Multiplier of the total. Default: 1.0.
        loss_name (str): Default: 'loss_combined'.
        log_prefix (str, optional): Head prefix of the logged terms (see
            above). Default: None (set by ``LossTermPrefixHook``).
    """

    def __init__(self,
                 preset: Optional[str] = None,
                 ce_weight: float = 1.0,
                 dice_weight: float = 1.0,
                 focal_weight: float = 1.0,
                 class_weight: Optional[Union[str, Sequence[float]]] = None,
                 class_weight_key: str = 'median_frequency_weights',
                 gamma: float = 2.0,
                 alpha=1.0,
                 smooth: float = 1e-6,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_combined',
                 log_prefix: Optional[str] = None) -> None:
        super().__init__(loss_weight, loss_name)
        self.log_prefix = log_prefix
        if preset is not None:
            if preset not in COMBINED_LOSS_PRESETS:
                raise ValueError(f'CombinedLoss: unknown preset {preset!r}; valid presets are '
                                 f'{", ".join(COMBINED_LOSS_PRESETS)} (study 004 Table II) or '
                                 'preset=None with ce_weight/dice_weight/focal_weight.')
            ce_weight, dice_weight, focal_weight = COMBINED_LOSS_PRESETS[preset]
        self.preset = preset
        self.weights = {
            'ce': float(ce_weight),
            'dice': float(dice_weight),
            'focal': float(focal_weight)
        }
        # A JSON not written yet is read at the first forward (configs build without data).
        self._class_weight_file = None
        if isinstance(class_weight, str):
            if osp.isfile(class_weight):
                class_weight = load_class_weight(class_weight, class_weight_key)
            else:
                self._class_weight_file = (class_weight, class_weight_key)
                class_weight = None
        # Cross-entropy is the focal loss with gamma = 0 (and alpha = class weights).
        self.ce = SoftmaxFocalLoss(gamma=0.0, alpha=1.0 if class_weight is None else class_weight)
        self.dice = MultiClassDiceLoss(smooth=smooth)
        self.focal = SoftmaxFocalLoss(gamma=gamma, alpha=alpha)

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: int = 255,
                **kwargs) -> Tensor:
        if self._class_weight_file is not None and self.weights['ce'] != 0:
            self.ce.alpha = load_class_weight(*self._class_weight_file)
            self._class_weight_file = None
        total = cls_score.float().sum() * 0.0
        terms = {}
        for name, w in self.weights.items():
            if w == 0:
                continue  # not computed: a zero-weighted term costs nothing
            term = getattr(self, name)(cls_score, label, weight=weight, ignore_index=ignore_index)
            terms[name] = term
            total = total + w * term
        if self.training:
            hub = MessageHub.get_current_instance()
            prefix = f'{self.log_prefix}.' if self.log_prefix else ''
            for name, term in terms.items():
                hub.update_scalar(f'train/{prefix}{self.loss_name}_{name}',
                                  float(term.detach()))
        return self.loss_weight * total
