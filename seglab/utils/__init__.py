"""Library code behind the command-line tools."""
from .cli import add_common_args, load_config
from .config_checks import UnknownTypeError, explain_build_errors

__all__ = [
    'add_common_args', 'load_config', 'UnknownTypeError', 'explain_build_errors'
]
