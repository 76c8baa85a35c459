from .detailed_iou_metric import DetailedIoUMetric
from .image_level_metric import ImageLevelMetric

__all__ = ['DetailedIoUMetric', 'ImageLevelMetric']
