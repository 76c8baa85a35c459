"""Explain a checkpoint/model key mismatch by model part wherever mmengine loads weights.

mmengine's ``load_state_dict`` (behind ``load_from``, ``resume``, ``load_checkpoint`` and
``init_cfg=dict(type='Pretrained')``) logs one flat comma-separated list of every missing and
unexpected key, which for a checkpoint of another model is hundreds of names on one line. We
wrap it to first state, grouped by part (backbone / decode_head / auxiliary_head / ...), how
many keys are missing, unexpected or of the wrong shape; with ``strict=True`` that summary is
the error. mmengine's own behaviour (what gets loaded) is unchanged.
"""
import functools
import logging

from mmengine.logging import print_log

_PATCHED_FLAG = '_seglab_key_report'


def _report(module, state_dict, strict, logger) -> None:
    from mmengine.dist import get_rank
    from mmengine.model import is_model_wrapper

    from seglab.utils.config_checks import describe_key_mismatch
    if is_model_wrapper(module):
        module = module.module
    own = module.state_dict()
    model_keys = [k for k in own if not k.endswith('num_batches_tracked')]
    ckpt_keys = [k for k in state_dict if not k.endswith('num_batches_tracked')]
    shape_mismatch = [
        f'{k} {tuple(state_dict[k].shape)}->{tuple(own[k].shape)}' for k in ckpt_keys
        if k in own and hasattr(state_dict[k], 'shape') and state_dict[k].shape != own[k].shape
    ]
    summary = describe_key_mismatch(model_keys, ckpt_keys, shape_mismatch)
    if summary is None:
        return
    message = (f'The checkpoint does not match {type(module).__name__} exactly.\n{summary}')
    if strict:
        raise RuntimeError(message)
    if get_rank() == 0:
        print_log(message, logger=logger or 'current', level=logging.WARNING)


def patch_load_state_dict() -> None:
    """Wrap ``mmengine.runner.checkpoint.load_state_dict`` with the grouped report."""
    from mmengine.runner import checkpoint
    original = checkpoint.load_state_dict
    if getattr(original, _PATCHED_FLAG, False):
        return

    @functools.wraps(original)
    def load_state_dict(module, state_dict, strict=False, logger=None):
        _report(module, state_dict, strict, logger)
        return original(module, state_dict, strict=strict, logger=logger)

    setattr(load_state_dict, _PATCHED_FLAG, True)
    checkpoint.load_state_dict = load_state_dict
