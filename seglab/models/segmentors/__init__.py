"""Registered into mmseg's MODELS on import."""
from .memory_format_encoder_decoder import MemoryFormatEncoderDecoder

__all__ = ['MemoryFormatEncoderDecoder']
