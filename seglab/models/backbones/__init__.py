"""Registered into mmseg's MODELS on import."""
from .segnet_encoder import SegNetEncoder  # noqa: F401
from .plain_unet_encoder import PlainUNetEncoder  # noqa: F401
from .resnet_stem_encoder import ResNetStemEncoder  # noqa: F401
