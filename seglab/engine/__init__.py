"""Training-engine pieces: crash-safe checkpoints, exact resume."""
from .atomic_backend import AtomicLocalBackend, atomic_write_bytes
from .checkpoint_hook import AtomicCheckpointHook
from .rng_state_hook import RNGStateHook

__all__ = ['AtomicLocalBackend', 'atomic_write_bytes', 'AtomicCheckpointHook', 'RNGStateHook']
