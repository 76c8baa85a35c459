"""Registered into mmseg's MODELS on import."""
from .plain_unet_encoder import PlainUNetEncoder
from .resnet_stem_encoder import ResNetStemEncoder
from .segnet_encoder import SegNetEncoder

__all__ = ['PlainUNetEncoder', 'ResNetStemEncoder', 'SegNetEncoder']
