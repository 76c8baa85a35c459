"""Registered into mmseg's MODELS on import."""
