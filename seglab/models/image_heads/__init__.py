"""Image-level heads (label, presence, box) next to a segmentor's decode head."""
from .box_regression_head import BoxRegressionHead
from .global_pool_fc_neck import GlobalPoolFCNeck
from .image_classification_head import ImageClassificationHead

__all__ = ['BoxRegressionHead', 'GlobalPoolFCNeck', 'ImageClassificationHead']
