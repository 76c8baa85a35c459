from .detailed_iou_metric import DetailedIoUMetric
from .image_level_metric import ImageLevelMetric
from .metrics_dir import MetricsDirMixin

__all__ = ['DetailedIoUMetric', 'ImageLevelMetric', 'MetricsDirMixin']
