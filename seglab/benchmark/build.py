"""Building a config's model for a benchmark: buildable offline, at the benchmark's size, in
the memory format asked for, optionally with conv+BN folded for inference."""
import copy
import inspect
from typing import Optional, Tuple

import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS


def _strip_pretrained(node) -> None:
    """Recursively drop ImageNet-weight loading (not available offline; speed is unaffected)."""
    if isinstance(node, dict):
        init_cfg = node.get('init_cfg')
        if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
            node['init_cfg'] = None
        if 'pretrained' in node and isinstance(node['pretrained'], str):
            node['pretrained'] = None
        for value in node.values():
            _strip_pretrained(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _strip_pretrained(value)


def _sync_bn_to_bn(node) -> None:
    """``SyncBN`` needs a process group; a one-process benchmark uses plain ``BN``."""
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
        for value in node.values():
            _sync_bn_to_bn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _sync_bn_to_bn(value)


def prepare_model_cfg(cfg: Config,
                      num_classes: Optional[int] = None,
                      shape: Optional[Tuple[int, int]] = None,
                      size_divisor: Optional[int] = None) -> ConfigDict:
    """The config's ``model`` made buildable for a benchmark: no pretrained weights, BN not
    SyncBN, whole-image inference, (optionally) ``num_classes`` set in every head, and a
    ``data_preprocessor`` that pads to ``shape`` rather than the config's crop size (else a
    64x64 benchmark of a 256x256 config would silently run at 256x256). ``size_divisor``
    pads to a multiple of it instead (for models that need one, e.g. mmseg's UNet: 16)."""
    if 'model' not in cfg:
        raise KeyError(f'{cfg.filename}: no `model` in the config; the benchmark builds '
                       'cfg.model (add `_base_ = [.../models/xxx.py]`).')
    model_cfg = copy.deepcopy(cfg.model)
    _strip_pretrained(model_cfg)
    _sync_bn_to_bn(model_cfg)
    if model_cfg.get('test_cfg') is not None:
        model_cfg['test_cfg'] = dict(mode='whole')
    preprocessor = model_cfg.get('data_preprocessor')
    if shape is not None and isinstance(preprocessor, dict) and preprocessor.get('size'):
        preprocessor['size'] = tuple(shape)
    if size_divisor is not None:
        if not isinstance(preprocessor, dict):
            raise KeyError(f'{cfg.filename}: size_divisor needs model.data_preprocessor')
        preprocessor['size'] = None
        preprocessor['size_divisor'] = int(size_divisor)
    if num_classes is not None:
        for key in ('decode_head', 'auxiliary_head'):
            heads = model_cfg.get(key)
            if heads is None:
                continue
            for head in heads if isinstance(heads, (list, tuple)) else [heads]:
                head['num_classes'] = num_classes
        if 'num_classes' in model_cfg:
            model_cfg['num_classes'] = num_classes
    return model_cfg


def model_num_classes(model: nn.Module, default: int = 8) -> int:
    head = getattr(model, 'decode_head', None)
    return int(getattr(head, 'num_classes', getattr(model, 'num_classes', default)))


def build_model(cfg: Config,
                device: str = 'cpu',
                num_classes: Optional[int] = None,
                shape: Optional[Tuple[int, int]] = None,
                size_divisor: Optional[int] = None) -> nn.Module:
    """Build ``cfg.model`` (see :func:`prepare_model_cfg`), initialise weights, move to device."""
    from mmengine.logging import MMLogger
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(prepare_model_cfg(cfg, num_classes, shape, size_divisor))
    if hasattr(model, 'init_weights'):
        logger = MMLogger.get_current_instance()
        level = logger.level
        logger.setLevel('WARNING')  # one INFO line per parameter otherwise
        try:
            model.init_weights()
        finally:
            logger.setLevel(level)
    return model.to(device)


def _accepts_memory_format(model_type: type) -> bool:
    return any('memory_format' in inspect.signature(klass.__init__).parameters
               for klass in model_type.__mro__ if '__init__' in vars(klass))


def set_memory_format(model_cfg: dict, channels_last: bool, where: str = 'model') -> dict:
    """Run the model in channels-last (NHWC) or NCHW through its segmentor's
    ``memory_format`` argument (:class:`~seglab.models.segmentors.MemoryFormatEncoderDecoder`,
    its subclasses, :class:`~seglab.models.segmentors.SMPSegmentor`): weights converted at
    construction and after ``init_weights``, the batch at the network's input.

    mmseg's plain ``EncoderDecoder`` has no such argument; for channels-last it becomes
    ``MemoryFormatEncoderDecoder``, its subclass that differs only in the layout (same
    state dict, outputs equal to float rounding). ``model_cfg`` is changed in place and
    returned; ``where`` names the config in errors.
    """
    type_name = model_cfg.get('type')
    model_type = MODELS.get(type_name) if isinstance(type_name, str) else type_name
    if model_type is None:
        raise KeyError(f'{where}: model.type {type_name!r} is not registered (import the '
                       'package that registers it, e.g. custom_imports = dict(imports=[...]))')
    memory_format = 'channels_last' if channels_last else 'contiguous'
    if _accepts_memory_format(model_type):
        model_cfg['memory_format'] = memory_format
    elif model_type is EncoderDecoder:
        if not channels_last:
            raise ValueError(f'{where}: the model is {type_name!r}, which is NCHW already; '
                             'NCHW applies to models with a memory_format '
                             '(MemoryFormatEncoderDecoder, SMPSegmentor)')
        model_cfg['type'] = 'MemoryFormatEncoderDecoder'
        model_cfg['memory_format'] = memory_format
    else:
        raise ValueError(f'{where}: model.type {type_name!r} has no memory_format argument, so '
                         f'it cannot be run {memory_format}; use EncoderDecoder, '
                         'MemoryFormatEncoderDecoder (or a subclass) or SMPSegmentor')
    return model_cfg


def fuse_conv_bn_for_inference(model: nn.Module) -> nn.Module:
    """Fold every BatchNorm that directly follows a conv into the conv (inference only).

    ``mmcv.cnn.fuse_conv_bn`` does the folding (``ConvModule`` keeps conv -> bn as
    consecutive children); the model must be in eval mode, where BN is the affine map
    ``gamma (x - mean) / sqrt(var + eps) + beta`` that the conv's weights and bias absorb.
    """
    from mmcv.cnn import fuse_conv_bn
    if model.training:
        raise RuntimeError('fuse_conv_bn_for_inference: call model.eval() first; fusing '
                           'uses the running statistics, which training mode does not.')
    return fuse_conv_bn(model)
