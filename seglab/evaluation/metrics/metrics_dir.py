"""Where a metric writes its files: the folder the config names, else the run's log dir."""
import os.path as osp
import warnings
from typing import Optional

from mmengine.logging import MMLogger


def logger_log_dir() -> Optional[str]:
    """The folder of mmengine's current ``MMLogger`` log file (a Runner's
    ``<work_dir>/<timestamp>/``), or None when no logger writes a file."""
    try:
        log_file = MMLogger.get_current_instance().log_file
    except Exception:  # no logger yet
        log_file = None
    return osp.dirname(osp.abspath(log_file)) if log_file else None


class MetricsDirMixin:
    """The output folder of a metric that writes files next to the run's logs.

    In order: ``metrics_dir`` from the config; else the log dir the Runner handed over with
    :meth:`set_run_log_dir` (:class:`~seglab.engine.SafeResumeRunner`, which
    ``tools/train.py`` and ``tools/test.py`` build, does so for every metric of the
    evaluators it builds); else, under another Runner, the folder of mmengine's current log
    file, the same ``<work_dir>/<timestamp>/``. With none of them, files are not written and
    a warning says so.
    """

    metrics_dir: Optional[str] = None
    _run_log_dir: Optional[str] = None

    def set_run_log_dir(self, log_dir: str) -> None:
        """The Runner's ``log_dir``; used when the config gives no ``metrics_dir``."""
        self._run_log_dir = log_dir

    def resolve_metrics_dir(self) -> Optional[str]:
        out = self.metrics_dir or self._run_log_dir or logger_log_dir()
        if out is None:
            name = type(self).__name__
            warnings.warn(f'{name}: no metrics_dir given and no Runner log dir found; its '
                          f'metric files are not written. Set metrics_dir=... in the '
                          f'evaluator config to save them.')
        return out
