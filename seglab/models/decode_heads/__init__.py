"""Registered into mmseg's MODELS on import."""
from .segnet_head import SegNetHead  # noqa: F401
from .segnet_residual_head import SegNetResidualHead  # noqa: F401
from .mc_dropout_fcn_head import MCDropoutFCNHead  # noqa: F401
