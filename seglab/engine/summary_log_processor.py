"""A log processor whose validation line carries the summary metrics, not every class."""
import re
from typing import Tuple

import numpy as np
import torch
from mmengine.runner import LogProcessor
from mmseg.registry import LOG_PROCESSORS

# DetailedIoUMetric's per-class keys: '<metric>.<class name>' (class names may hold spaces).
PER_CLASS_KEY = re.compile(r'^(?:(?:val|test)/)?(?:IoU|Acc|Dice|Precision|Recall|Fscore|BIoU)\.')


@LOG_PROCESSORS.register_module()
class SummaryLogProcessor(LogProcessor):
    """mmengine's ``LogProcessor`` that keeps per-class metrics out of the val/test log line.

    With ``DetailedIoUMetric`` (five metrics per class) the line had one entry per class and
    metric, about 1,500 characters for 11 classes. The per-class values are already printed as
    a table at INFO just above the line, so the line keeps the summary (aAcc, mIoU, mDice, ...)
    and says how many per-class values it left out. The returned tag is unchanged: every
    per-class scalar still reaches the visualizer backends (``vis_data/scalars.json``,
    TensorBoard) and the message hub.

    Args:
        **kwargs: As :class:`mmengine.runner.LogProcessor`.
    """

    def get_log_after_epoch(self, runner, batch_idx: int, mode: str,
                            with_non_scalar: bool = False) -> Tuple[dict, str]:
        tag, log_str = super().get_log_after_epoch(runner, batch_idx, mode, with_non_scalar)
        dropped = 0
        for key, value in tag.items():
            if not PER_CLASS_KEY.match(key) or isinstance(value, (torch.Tensor, np.ndarray)):
                continue
            shown = f'{value:.{self.num_digits}f}' if isinstance(value, float) else value
            item = f'  {key}: {shown}'
            if item in log_str:
                log_str = log_str.replace(item, '', 1)
                dropped += 1
        if dropped:
            log_str += f'  ({dropped} per-class values in the table above)'
        return tag, log_str
