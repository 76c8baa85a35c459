"""The inference pipeline of a config: the pipeline ``tools/test.py`` runs, without labels.

mmseg's ``inference_model`` runs the top-level ``test_pipeline`` and strips only
``LoadAnnotations``; ``MMSegInferencer`` runs ``test_dataloader.dataset.pipeline`` but
needs a transform named exactly ``LoadImageFromFile``. seglab configs load with the checked
subclasses (``CheckedLoadImageFromFile``, ``CheckedLoadAnnotations``) and the reduced study
configs resize in the dataloader's pipeline only, so both upstream derivations fail or, worse,
silently predict at another resolution than ``tools/test.py``. Here the pipeline is taken
from the test dataloader (through dataset wrappers), loaders are recognised by class, not by
name, and anything that cannot be turned into an inference pipeline is an error naming the
config field.
"""
import copy
from typing import List, Optional, Tuple

from mmcv.transforms import LoadImageFromFile
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmseg.datasets.transforms import LoadAnnotations, LoadDepthAnnotation
from mmseg.datasets.transforms.loading import InferencerLoader
from mmseg.registry import TRANSFORMS

# Loader options that make sense only when reading a dataset (skipping files).
_DATASET_ONLY_OPTIONS = ('skip_corrupt',)
_LABEL_LOADERS = (LoadAnnotations, LoadDepthAnnotation)


class InferencePipelineError(ValueError):
    """A config whose inference pipeline cannot be derived (the message says why)."""


def _transform_class(transform: dict, field: str) -> type:
    name = transform.get('type') if isinstance(transform, dict) else None
    if isinstance(name, type):
        return name
    cls = TRANSFORMS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise InferencePipelineError(
            f'{field}: transform {name!r} is not a registered transform (is the module that '
            f'registers it imported? seglab configs import seglab via custom_imports).')
    return cls


def _dataset_pipeline(dataset: dict, field: str) -> Tuple[Optional[list], str]:
    """The pipeline of ``dataset``, looking through wrappers (``dataset`` / ``datasets``)."""
    while isinstance(dataset, dict):
        if dataset.get('pipeline'):
            return dataset['pipeline'], f'{field}.pipeline'
        if isinstance(dataset.get('dataset'), dict):
            dataset, field = dataset['dataset'], f'{field}.dataset'
        elif dataset.get('datasets'):
            dataset, field = dataset['datasets'][0], f'{field}.datasets[0]'
        else:
            break
    return None, field


def source_pipeline(cfg: Config) -> Tuple[list, str]:
    """The pipeline ``tools/test.py`` would run, and the config field it comes from.

    ``test_dataloader`` first (what ``tools/test.py`` evaluates), then ``val_dataloader``,
    then the top-level ``test_pipeline``.
    """
    for loader in ('test_dataloader', 'val_dataloader'):
        if isinstance(cfg.get(loader), dict) and isinstance(cfg[loader].get('dataset'), dict):
            pipeline, field = _dataset_pipeline(cfg[loader]['dataset'], f'{loader}.dataset')
            if pipeline:
                return pipeline, field
    if cfg.get('test_pipeline'):
        return cfg.test_pipeline, 'test_pipeline'
    raise InferencePipelineError(
        'Cannot derive an inference pipeline: the config has no test_dataloader.dataset.'
        'pipeline, val_dataloader.dataset.pipeline or test_pipeline. Add test_pipeline = '
        "[dict(type='LoadImageFromFile'), ..., dict(type='PackSegInputs')] to the config.")


def inference_pipeline(cfg: Config) -> List[dict]:
    """``tools/test.py``'s pipeline for ``cfg``, made to take an image path or array.

    Label loaders (``LoadAnnotations`` and subclasses such as ``CheckedLoadAnnotations``) are
    dropped, and the image loader (``LoadImageFromFile`` or a subclass such as
    ``CheckedLoadImageFromFile``) becomes mmseg's ``InferencerLoader`` with the same decoding
    options, which accepts a file name or a (BGR, HWC) array. Everything else, e.g. a
    reduced config's half-resolution ``Resize``, is kept, so predictions equal
    ``tools/test.py``'s.

    Args:
        cfg (Config): A full model config.

    Returns:
        list[dict]: The transforms, for ``mmcv.transforms.Compose``.

    Raises:
        InferencePipelineError: The pipeline has no image loader, more than one, a
            test-time-augmentation wrapper, or transforms before the loader.
    """
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    source, field = source_pipeline(cfg)
    pipeline = []
    loader_at = None
    for i, transform in enumerate(copy.deepcopy(list(source))):
        cls = _transform_class(transform, f'{field}[{i}]')
        if issubclass(cls, _LABEL_LOADERS):
            continue
        if 'transforms' in transform:  # TestTimeAug and other wrappers
            raise InferencePipelineError(
                f'{field}[{i}] ({cls.__name__}) wraps other transforms; the inference API '
                f'runs one view per image. Use a config whose test pipeline is plain, and '
                f'mmseg test-time augmentation through tools/test.py --tta.')
        if issubclass(cls, (LoadImageFromFile, InferencerLoader)):  # already derived: kept
            if loader_at is not None:
                raise InferencePipelineError(
                    f'{field} loads the image twice ({field}[{loader_at}] and {field}[{i}]).')
            loader_at = i
            options = {k: v for k, v in transform.items()
                       if k not in ('type', ) + _DATASET_ONLY_OPTIONS}
            transform = ConfigDict(type='InferencerLoader', **options)
        elif loader_at is None:
            raise InferencePipelineError(
                f'{field}[{i}] ({cls.__name__}) comes before the image loader; the inference '
                f'pipeline must start by loading the image (LoadImageFromFile or a subclass).')
        pipeline.append(transform)
    if loader_at is None:
        raise InferencePipelineError(
            f'{field} has no image loader (LoadImageFromFile or a subclass such as '
            f'CheckedLoadImageFromFile), so the inference pipeline cannot be derived; add one '
            f'as its first transform.')
    return pipeline
