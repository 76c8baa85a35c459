from .detailed_iou_metric import DetailedIoUMetric

__all__ = ['DetailedIoUMetric']
