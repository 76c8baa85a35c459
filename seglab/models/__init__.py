"""seglab models, registered into mmseg's ``MODELS`` on import."""
from . import backbones, decode_heads, image_heads, segmentors  # noqa: F401

__all__ = ['backbones', 'decode_heads', 'image_heads', 'segmentors']
