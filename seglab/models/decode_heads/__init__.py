"""Registered into mmseg's MODELS on import."""
from .segnet_head import SegNetHead  # noqa: F401
from .segnet_residual_head import SegNetResidualHead  # noqa: F401
from .mc_dropout_fcn_head import MCDropoutFCNHead  # noqa: F401
from .unet_head import UNetHead  # noqa: F401
from .attention_unet_head import AttentionUNetHead  # noqa: F401
from .light_upsample_head import LightUpsampleHead  # noqa: F401
