"""Registered into mmseg's MODELS on import."""
from .segnet_encoder import SegNetEncoder  # noqa: F401
