"""mmengine's ``LoggerHook`` that keeps known-harmless notices out of the run's log."""
from mmengine.hooks import LoggerHook
from mmengine.logging import MMLogger
from mmseg.registry import HOOKS

from seglab.warning_filters import filter_logger


@HOOKS.register_module()
class QuietLoggerHook(LoggerHook):
    """``LoggerHook`` that filters the run logger's known-harmless records by message.

    mmengine logs (not warns) a few notices that say nothing about a seglab run: "The prefix
    is not set in metric class ..." (seglab's tools read the bare metric keys) and the
    ``FileClient`` / ``HardDiskBackend`` deprecations of its own hooks. The runner builds its
    hooks right after its logger and before the evaluators and ``before_train``, so the filter
    (:class:`~seglab.warning_filters.KnownHarmlessLogRecords`) is in place for all of them.
    ``SEGLAB_SHOW_ALL_WARNINGS=1`` keeps everything.

    Args:
        **kwargs: As :class:`mmengine.hooks.LoggerHook`.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        filter_logger(MMLogger.get_current_instance())
