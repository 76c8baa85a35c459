"""Metrics used while runs train and test (registered on import) and the names of the
files they write (:mod:`.metric_files`). Offline analysis of those files: ``seglab.analysis``."""
from . import metric_files
from .boundary import boundary_intersect_and_union, mask_boundary
from .metrics import DetailedIoUMetric, ImageLevelMetric, MetricsDirMixin

__all__ = [
    'metric_files', 'boundary_intersect_and_union', 'mask_boundary', 'DetailedIoUMetric',
    'ImageLevelMetric', 'MetricsDirMixin'
]
