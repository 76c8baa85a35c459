"""Compatibility of mmseg 1.2.2 / mmengine 0.10 with modern PyTorch and mmcv-lite.

Applied by ``import seglab`` before anything imports ``mmseg.models``.
"""
from .mmcv_ops import (has_compiled_mmcv_ops, install_mmcv_ops_fallback,
                       point_sample, sigmoid_focal_loss)
from .key_report import patch_load_state_dict
from .safe_load import (UnsafeCheckpointError, allow_mmengine_checkpoint_types,
                        register_safe_local_loader, safe_load_url, safe_torch_load,
                        trust_checkpoint)

_applied = False


def apply() -> None:
    """Install the mmcv.ops stand-in (if needed) and safe checkpoint loading. Idempotent."""
    global _applied
    if _applied:
        return
    install_mmcv_ops_fallback()
    allow_mmengine_checkpoint_types()
    register_safe_local_loader()
    patch_load_state_dict()
    _applied = True


__all__ = [
    'apply', 'has_compiled_mmcv_ops', 'install_mmcv_ops_fallback', 'point_sample',
    'sigmoid_focal_loss', 'UnsafeCheckpointError', 'allow_mmengine_checkpoint_types',
    'register_safe_local_loader', 'safe_load_url', 'safe_torch_load', 'trust_checkpoint',
    'patch_load_state_dict'
]
