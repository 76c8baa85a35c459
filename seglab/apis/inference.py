"""``init_model`` / ``inference_model`` / ``MMSegInferencer`` that work on seglab configs.

Thin wrappers of ``mmseg.apis``: the model is built and loaded by mmseg, only the inference
pipeline is derived the way ``tools/test.py`` runs it (:func:`inference_pipeline`), so a
prediction here is pixel-identical to the PNG ``tools/test.py --out`` writes for the same
image and checkpoint.
"""
import copy
from collections import defaultdict
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmseg.apis import MMSegInferencer as _MMSegInferencer
from mmseg.apis import init_model as _mmseg_init_model
from mmseg.models import BaseSegmentor
from mmseg.structures import SegDataSample

from .pipeline import inference_pipeline

ImageType = Union[str, np.ndarray, Sequence[str], Sequence[np.ndarray]]


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> BaseSegmentor:
    """Build a segmentor from a config, load a checkpoint and prepare it for inference.

    As ``mmseg.apis.init_model``, plus: the config's ``test_pipeline`` is replaced by the
    derived inference pipeline (so ``mmseg.apis.inference_model`` on the returned model runs
    what ``tools/test.py`` runs) and SyncBN becomes BatchNorm off the GPU (as mmengine's
    runner does outside distributed runs). Checkpoints load with seglab's safe loading.

    Args:
        config (str | Path | Config): Config file or object.
        checkpoint (str, optional): Checkpoint file. Default: None (random weights).
        device (str): Torch device. Default: ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config. Default: None.

    Returns:
        BaseSegmentor: The model in eval mode, with ``cfg`` and ``dataset_meta`` set.
    """
    if isinstance(config, (str, Path)):
        config = Config.fromfile(str(config))
    elif not isinstance(config, Config):
        raise TypeError(f'config must be a file name or a Config, got {type(config).__name__}')
    else:
        config = copy.deepcopy(config)  # mmseg's init_model edits it; the caller's stays
    if cfg_options:
        config.merge_from_dict(cfg_options)
    # Derived before building the model: a config it fails on fails fast.
    config.test_pipeline = inference_pipeline(config)
    model = _mmseg_init_model(config, checkpoint, device='cpu')
    if not str(device).startswith('cuda'):
        model = revert_sync_batchnorm(model)
    model.to(device)
    model.eval()
    return model


def _pipeline(model: BaseSegmentor) -> Compose:
    cfg = model.cfg
    # Cached per model; rebuilt if someone swaps the config's pipeline.
    cached = getattr(model, '_seglab_inference_pipeline', None)
    if cached is None or cached[0] is not cfg.get('test_pipeline'):
        cached = (cfg.get('test_pipeline'), Compose(inference_pipeline(cfg)))
        model._seglab_inference_pipeline = cached
    return cached[1]


def prepare_data(model: BaseSegmentor, imgs: ImageType):
    """Run the inference pipeline on image file(s) or BGR array(s).

    Returns:
        tuple[dict, bool]: The batch for ``model.test_step`` and whether a list was given.
    """
    is_batch = isinstance(imgs, (list, tuple))
    pipeline = _pipeline(model)
    data = defaultdict(list)
    for img in imgs if is_batch else [imgs]:
        if isinstance(img, Path):
            img = str(img)
        if not isinstance(img, (str, np.ndarray)):
            raise TypeError(f'inference_model takes image file names or numpy arrays, got '
                            f'{type(img).__name__}')
        packed = pipeline(img)
        data['inputs'].append(packed['inputs'])
        data['data_samples'].append(packed['data_samples'])
    return dict(data), is_batch


def inference_model(model: BaseSegmentor,
                    img: ImageType) -> Union[SegDataSample, Sequence[SegDataSample]]:
    """Predict image(s) with a segmentor (``mmseg.apis.inference_model`` for any config).

    Works on a model from this module's or from mmseg's ``init_model``: the pipeline is
    derived from ``model.cfg`` each time it changes (:func:`inference_pipeline`).

    Args:
        model (BaseSegmentor): The loaded segmentor.
        img (str | ndarray | list): Image file(s) or BGR array(s) (as ``mmcv.imread``).

    Returns:
        SegDataSample | list[SegDataSample]: ``pred_sem_seg`` and ``seg_logits`` at the
        image's original size; a list if a list was given.
    """
    is_batch = isinstance(img, (list, tuple))
    results = []
    # One image per forward, as tools/test.py runs (batch 1): images of different sizes
    # cannot share a batch, and padding to a common size would change the predictions.
    for single in img if is_batch else [img]:
        data, _ = prepare_data(model, single)
        with torch.no_grad():
            results += model.test_step(data)
    return results if is_batch else results[0]


class MMSegInferencer(_MMSegInferencer):
    """mmseg's ``MMSegInferencer`` whose pipeline is derived as ``tools/test.py`` runs it.

    The upstream inferencer needs a transform named exactly ``LoadImageFromFile`` and strips
    only ``LoadAnnotations``; seglab configs use the checked loaders. Without a config
    (``model=None`` or an empty one) mmengine would run ``Config.fromstring`` on the text a
    checkpoint stores (``message_hub['runtime_info']['cfg']`` or ``meta['cfg']``), i.e.
    execute code from a possibly downloaded file; that is refused here. Everything else
    (visualisation, ``out_dir``, batching, return values) is mmseg's.

    Args:
        As :class:`mmseg.apis.MMSegInferencer`; ``model`` must be a config file, a
        metafile model name or a non-empty config.
    """

    def _init_model(self, cfg: Config, weights: Optional[str], device: str = 'cpu'):
        if not cfg:
            raise ValueError(
                f'MMSegInferencer needs the model config: pass model=<config file> with '
                f'weights={weights!r}. Reading the config stored in a checkpoint would '
                f'execute its text, so seglab does not.')
        return super()._init_model(cfg, weights, device)

    def _init_pipeline(self, cfg: Config) -> Compose:
        return Compose(inference_pipeline(cfg))
