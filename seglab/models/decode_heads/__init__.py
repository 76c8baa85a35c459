"""Registered into mmseg's MODELS on import."""
from .attention_unet_head import AttentionUNetHead
from .light_upsample_head import LightUpsampleHead
from .mc_dropout_fcn_head import MCDropoutFCNHead
from .segnet_head import SegNetHead
from .segnet_residual_head import SegNetResidualHead
from .unet_head import UNetHead

__all__ = [
    'AttentionUNetHead', 'LightUpsampleHead', 'MCDropoutFCNHead', 'SegNetHead',
    'SegNetResidualHead', 'UNetHead'
]
