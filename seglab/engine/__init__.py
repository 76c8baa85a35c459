"""Training-engine pieces: crash-safe checkpoints, exact resume, early clear failures."""
from .atomic_backend import AtomicLocalBackend, atomic_write_bytes
from .checkpoint_hook import AtomicCheckpointHook
from .class_number_check_hook import ClassNumberCheckHook
from .fused_optim_wrapper_constructor import FusedOptimWrapperConstructor
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .rng_state_hook import RNGStateHook

__all__ = [
    'AtomicLocalBackend', 'atomic_write_bytes', 'AtomicCheckpointHook', 'ClassNumberCheckHook',
    'FusedOptimWrapperConstructor', 'NonFiniteLossError', 'NonFiniteLossHook', 'RNGStateHook'
]
