"""A log processor whose validation line carries the summary metrics, not every class, and
the current value of every val/test loss (not a running mean over validations)."""
import re
from typing import List, Tuple

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

    mmengine's ``_collect_scalars`` averages every key matching ``mean_pattern`` (``.*loss.*``
    included) over the last ``window_size`` values. In train mode that smooths the
    per-iteration loss, but a val/test key gets one value per evaluation, so ``val/val_loss``
    would be the mean of the last 10 validations. Here val/test keys that are not configured
    in ``custom_cfg`` report their current value, as the metrics dict (read by the LR
    scheduler and early stopping) does.

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

    def _collect_scalars(self, custom_cfg: List[dict], runner, mode: str,
                         reserve_prefix: bool = False) -> dict:
        tag = super()._collect_scalars(custom_cfg, runner, mode, reserve_prefix)
        if mode not in ('val', 'test'):
            return tag
        custom = {cfg.get('log_name', cfg['data_src']) for cfg in custom_cfg}
        for prefix_key, buffer in runner.message_hub.log_scalars.items():
            if not prefix_key.startswith(f'{mode}/'):
                continue
            bare = self._remove_prefix(prefix_key, f'{mode}/')
            key = prefix_key if reserve_prefix else bare
            if key in tag and bare not in custom and re.search(self.mean_pattern, bare):
                tag[key] = buffer.current()
        return tag
