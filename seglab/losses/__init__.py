"""seglab's losses, registered into mmseg's MODELS on import (see docs/losses.md)."""
from .balanced_ce_loss import BalancedCELoss
from .combined_loss import COMBINED_LOSS_PRESETS, CombinedLoss
from .cross_dropout_focal_loss import CrossDropoutFocalLoss
from .log_frequency_ce_loss import LogFrequencyCELoss, load_class_frequency
from .multiclass_dice_loss import MultiClassDiceLoss
from .softmax_focal_loss import SoftmaxFocalLoss

__all__ = [
    'BalancedCELoss', 'COMBINED_LOSS_PRESETS', 'CombinedLoss', 'CrossDropoutFocalLoss',
    'LogFrequencyCELoss', 'MultiClassDiceLoss', 'SoftmaxFocalLoss', 'load_class_frequency'
]
