"""Registered on import; see the modules of this package."""
from .boundary import boundary_intersect_and_union, mask_boundary  # noqa: F401
from .metrics import DetailedIoUMetric  # noqa: F401
