"""Name each loss's logged terms after its head, as mmseg names the heads' losses."""
import re
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn

from mmseg.registry import HOOKS

# mmseg's EncoderDecoder prefixes a head's losses 'decode', 'aux' or, for a list of
# auxiliary heads, 'aux_<i>' (see its _decode_head_forward_train/_auxiliary_head_forward_train).
_HEAD_PREFIXES = ((re.compile(r'^decode_head(\.|$)'), lambda m: 'decode'),
                  (re.compile(r'^auxiliary_head\.(\d+)(\.|$)'), lambda m: f'aux_{m.group(1)}'),
                  (re.compile(r'^auxiliary_head(\.|$)'), lambda m: 'aux'))


def head_prefix(module_name: str) -> Optional[str]:
    """mmseg's loss prefix of the head that holds the sub-module ``module_name``, or None."""
    for pattern, prefix in _HEAD_PREFIXES:
        match = pattern.match(module_name)
        if match:
            return prefix(match)
    return None


def set_loss_log_prefixes(model: nn.Module) -> int:
    """Give every loss that logs terms of its own (it has a ``log_prefix`` attribute, e.g.
    ``CombinedLoss``) the prefix of its head, unless one was configured. Returns how many
    losses were named."""
    named = 0
    for name, module in model.named_modules():
        if not hasattr(module, 'log_prefix') or module.log_prefix is not None:
            continue
        prefix = head_prefix(name)
        if prefix is not None:
            module.log_prefix = prefix
            named += 1
    return named


@HOOKS.register_module()
class LossTermPrefixHook(Hook):
    """Prefix the terms a loss logs itself with its head: ``decode.loss_combined_ce``.

    ``CombinedLoss`` writes its unweighted terms to the message hub. A loss module does not
    know which head holds it, so a decode and an auxiliary head with the same loss used to
    write the same scalar, and the log showed their mixture. Before the run this hook walks
    the model and sets each such loss's ``log_prefix`` to mmseg's prefix of its head
    (``decode``, ``aux``, ``aux_<i>``), the prefix its total already carries in the log.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        set_loss_log_prefixes(model)
