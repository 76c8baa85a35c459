"""Registered into mmseg's MODELS on import."""
from .memory_format_encoder_decoder import MemoryFormatEncoderDecoder
from .multi_task_encoder_decoder import MultiTaskEncoderDecoder
from .smp_segmentor import SMPSegmentor

__all__ = ['MemoryFormatEncoderDecoder', 'MultiTaskEncoderDecoder', 'SMPSegmentor']
