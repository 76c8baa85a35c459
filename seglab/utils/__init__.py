"""Library code behind the command-line tools."""
from .cli import add_common_args, load_config
from .config_checks import (UnknownTypeError, check_num_classes, describe_key_mismatch,
                            explain_build_errors)

__all__ = [
    'add_common_args', 'load_config', 'UnknownTypeError', 'check_num_classes',
    'describe_key_mismatch', 'explain_build_errors'
]
