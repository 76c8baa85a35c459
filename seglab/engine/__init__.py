"""Training-engine pieces: crash-safe checkpoints, exact resume, early clear failures."""
from .amp_loops import AmpTestLoop, AmpValLoop
from .amp_optim_wrapper import AMP_OPTIM_WRAPPERS, CPUAwareAmpOptimWrapper
from .atomic_backend import AtomicLocalBackend, atomic_write_bytes
from .checkpoint_hook import AtomicCheckpointHook
from .class_number_check_hook import ClassNumberCheckHook
from .fused_optim_wrapper_constructor import FusedOptimWrapperConstructor
from .loss_term_prefix_hook import LossTermPrefixHook, set_loss_log_prefixes
from .multi_task_val_loss_hook import MultiTaskValLossHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook, NonFiniteWeightsError
from .pretrained_init import CheckedPretrainedInit, PretrainedWeightsError
from .rng_state_hook import RNGStateHook
from .safe_resume_runner import CheckpointNotResumableError, SafeResumeRunner
from .quiet_logger_hook import QuietLoggerHook
from .resumable_early_stopping_hook import ResumableEarlyStoppingHook
from .summary_log_processor import SummaryLogProcessor
from .val_loss_hook import ValLossHook

__all__ = [
    'AtomicLocalBackend', 'atomic_write_bytes', 'AtomicCheckpointHook', 'ClassNumberCheckHook',
    'FusedOptimWrapperConstructor', 'NonFiniteLossError', 'NonFiniteLossHook',
    'NonFiniteWeightsError', 'CheckedPretrainedInit', 'PretrainedWeightsError', 'RNGStateHook',
    'AMP_OPTIM_WRAPPERS', 'AmpTestLoop', 'AmpValLoop', 'CPUAwareAmpOptimWrapper',
    'LossTermPrefixHook', 'set_loss_log_prefixes', 'ValLossHook', 'MultiTaskValLossHook',
    'CheckpointNotResumableError', 'SafeResumeRunner', 'SummaryLogProcessor',
    'QuietLoggerHook', 'ResumableEarlyStoppingHook'
]
