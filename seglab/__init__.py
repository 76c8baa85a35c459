"""seglab: an MMSegmentation 1.x plugin for encoder-decoder segmentation under class imbalance.

Importing seglab first makes mmseg importable on modern PyTorch with mmcv-lite
(:mod:`seglab.compat`), then registers seglab's datasets, transforms, models, losses,
metrics and hooks into mmseg's registries.
"""
from . import warning_filters

warning_filters.install()  # before anything imports mmengine/mmcv/mmseg

from . import compat  # noqa: E402

compat.apply()

from . import datasets, engine, evaluation, losses, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'compat']
