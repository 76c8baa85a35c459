"""Registered into mmseg's MODELS on import."""
from .memory_format_encoder_decoder import MemoryFormatEncoderDecoder
from .multi_task_encoder_decoder import MultiTaskEncoderDecoder

__all__ = ['MemoryFormatEncoderDecoder', 'MultiTaskEncoderDecoder']
