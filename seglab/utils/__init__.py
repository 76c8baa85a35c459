"""Library code behind the command-line tools."""
from .cli import add_common_args, load_config

__all__ = ['add_common_args', 'load_config']
