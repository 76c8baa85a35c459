"""Silence the start-up warnings known to be harmless in a seglab environment, by message.

Every start of a tool printed about seven notices that say nothing about the run. Warnings:
mmengine's ``pkg_resources`` import (setuptools' deprecation), mmcv-lite lacking the compiled
``MultiScaleDeformableAttention`` (no seglab model uses it; seglab.compat names any op that is
really missing), mmseg's own ``build_loss`` call, and the visualisation hook's "draw is False"
(drawing is off by design in training configs; ``tools/test.py --show-dir`` turns it on).
Log records (mmengine logs rather than warns them): "The prefix is not set in metric class
..." (seglab's tools read the bare metric keys) and the FileClient/HardDiskBackend
deprecations of mmengine's own hooks; the run's logger drops them through
:class:`KnownHarmlessLogRecords`, added by seglab's ``QuietLoggerHook``. Each filter matches
its message exactly, so other text of the same kind still shows.
``SEGLAB_SHOW_ALL_WARNINGS=1`` keeps them all.
"""
import logging
import os
import re
import warnings

KNOWN_HARMLESS = (
    (r'pkg_resources is deprecated as an API', Warning),
    (r'Fail to import ``MultiScaleDeformableAttention`` from '
     r'``mmcv\.ops\.multi_scale_deform_attn``', UserWarning),
    (r'``build_loss`` would be deprecated soon', UserWarning),
    (r'The draw is False, it means that the hook for visualization will not take effect',
     UserWarning),
)


def install() -> None:
    """Add the filters (idempotent: ``warnings.filterwarnings`` de-duplicates them)."""
    if os.environ.get('SEGLAB_SHOW_ALL_WARNINGS'):
        return
    for message, category in KNOWN_HARMLESS:
        warnings.filterwarnings('ignore', message=message, category=category)


def is_filtered(message: str) -> bool:
    """Whether a warning text is one of the known-harmless ones."""
    return any(re.match(pattern, message) for pattern, _ in KNOWN_HARMLESS)


# Metrics without a prefix log their keys bare ('mIoU', not 'val/mIoU'): what seglab's tools read.
KNOWN_HARMLESS_RECORDS = (
    r'The prefix is not set in metric class \w+\.$',
    r'"FileClient" will be deprecated in future\. Please use io functions in \S+$',
    r'"HardDiskBackend" is the alias of "LocalBackend" and the former will be deprecated in '
    r'future\.$',
)


class KnownHarmlessLogRecords(logging.Filter):
    """Drops the log records of :data:`KNOWN_HARMLESS_RECORDS` (matched in full)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(re.match(pattern, message) for pattern in KNOWN_HARMLESS_RECORDS)


def filter_logger(logger: logging.Logger) -> None:
    """Add :class:`KnownHarmlessLogRecords` to ``logger`` once."""
    if os.environ.get('SEGLAB_SHOW_ALL_WARNINGS'):
        return
    if not any(isinstance(f, KnownHarmlessLogRecords) for f in logger.filters):
        logger.addFilter(KnownHarmlessLogRecords())
