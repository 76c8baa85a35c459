"""Small helpers shared by seglab's backbones and heads."""
from .pooling_indices import PooledFeature, check_pooled_features

__all__ = ['PooledFeature', 'check_pooled_features']
