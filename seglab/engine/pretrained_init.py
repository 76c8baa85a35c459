"""``init_cfg=dict(type='Pretrained')`` that stops when the file initialises (almost) nothing."""
import os.path as osp
from typing import List, Optional
from urllib.error import URLError

from mmengine.model.weight_init import PretrainedInit
from mmengine.registry import WEIGHT_INITIALIZERS
from torch import nn

from seglab.compat.key_report import KeyMatch, key_check

_REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_MOBILENET_V2_CONVERTER = osp.join('tools', 'model_converters', 'mobilenet_v2_to_mmseg.py')
# The keys of the tonylins / torchvision ImageNet MobileNetV2 (see the converter).
_MOBILENET_V2_SOURCE_KEYS = ('features.1.conv.0.weight', 'features.1.conv.0.0.weight')


class PretrainedWeightsError(RuntimeError):
    """Pretrained weights that cannot be downloaded or do not fit the module."""


@WEIGHT_INITIALIZERS.register_module(name='Pretrained', force=True)
class CheckedPretrainedInit(PretrainedInit):
    """mmengine's ``Pretrained`` initialiser, refusing a file that would load (almost) nothing.

    mmengine loads pretrained weights with ``strict=False`` and only logs the mismatch, so an
    unconverted file (the ImageNet MobileNetV2 before
    ``tools/model_converters/mobilenet_v2_to_mmseg.py``), a file of another encoder or keys
    under a prefix train the encoder from scratch and the run ends with exit status 0; an
    unreachable default URI (``torchvision://resnet50`` offline) is a raw ``URLError``.
    Registered over mmengine's ``Pretrained`` (every scope falls back to mmengine's registry),
    this subclass raises :class:`PretrainedWeightsError` before anything is loaded when fewer
    than ``min_loaded_fraction`` of the module's weights (parameters and buffers, except
    ``num_batches_tracked``) are in the file with the right shape, naming the file, the
    converter or prefix to use and the opt-out; a failed download says how to use a local
    file instead.

    Args:
        checkpoint (str): File or URI of the weights, as in mmengine.
        prefix (str, optional): Load only the keys under this prefix, stripped. Default: None.
        map_location (str): As in mmengine. Default: 'cpu'.
        min_loaded_fraction (float): The share of the module's weights the file must set;
            0 turns the check off (a partial load on purpose). Default: 0.5.
    """

    def __init__(self, checkpoint: str, prefix: Optional[str] = None, map_location='cpu',
                 min_loaded_fraction: float = 0.5) -> None:
        super().__init__(checkpoint, prefix=prefix, map_location=map_location)
        if not 0 <= min_loaded_fraction <= 1:
            raise ValueError(f"init_cfg=dict(type='Pretrained', ...): min_loaded_fraction must "
                             f'be in [0, 1], got {min_loaded_fraction}')
        self.min_loaded_fraction = min_loaded_fraction

    def __call__(self, module: nn.Module) -> None:

        def check(match: KeyMatch) -> None:
            if match.module is module and match.model_keys and (
                    match.loaded < self.min_loaded_fraction * len(match.model_keys)):
                raise PretrainedWeightsError(self._mismatch_message(match))

        try:
            with key_check(check):
                super().__call__(module)
        except (URLError, ConnectionError, TimeoutError) as err:
            if '://' not in str(self.checkpoint) or osp.isfile(str(self.checkpoint)):
                raise
            raise PretrainedWeightsError(self._download_message(module, err)) from err

    def _mismatch_message(self, match: KeyMatch) -> str:
        name = type(match.module).__name__
        lines = [
            f'Pretrained weights {self.checkpoint!r} set {match.loaded} of the '
            f'{len(match.model_keys)} weights of {name} (fewer than min_loaded_fraction='
            f'{self.min_loaded_fraction:g}): the other '
            f'{len(match.model_keys) - match.loaded} would train from scratch. Stopping.',
            match.summary or ''
        ]
        source = set(match.checkpoint_keys)
        prefix = _best_prefix(match)
        if any(k in source for k in _MOBILENET_V2_SOURCE_KEYS):
            converter = osp.join(_REPO, _MOBILENET_V2_CONVERTER)
            if not osp.isfile(converter):
                converter = _MOBILENET_V2_CONVERTER + ' (of the seglab repository)'
            src = str(self.checkpoint)
            if '://' in src:  # the converter reads local files
                src = 'LOCAL_COPY_OF_THE_FILE.pth'
            stem = osp.splitext(osp.basename(src))[0]
            lines.append(
                f'Its keys are those of a MobileNetV2 in the tonylins/torchvision layout: convert '
                f'it for mmseg\'s MobileNetV2 first,\n  python {converter} {src} '
                f'{stem}_mmseg.pth\nand point the init_cfg at the result (e.g. --cfg-options '
                f'model.backbone.init_cfg.checkpoint={stem}_mmseg.pth).')
        elif prefix is not None:
            lines.append(f'The file\'s keys carry the prefix {prefix!r}: set '
                         f"init_cfg=dict(type='Pretrained', checkpoint=..., prefix={prefix!r}).")
        else:
            lines.append(
                f'Use weights made for {name}, or convert the file to its keys first (seglab\'s '
                f'converters are in tools/model_converters/; mmsegmentation\'s repository has '
                f'more, e.g. for ViT, Swin and MiT).')
        lines.append('To load a partial checkpoint on purpose, lower init_cfg.min_loaded_fraction '
                     '(0 turns this check off).')
        return '\n'.join(line for line in lines if line)

    def _download_message(self, module: nn.Module, err: Exception) -> str:
        import torch.hub
        url = _download_url(str(self.checkpoint))
        source = f' from {url}' if url and url != self.checkpoint else ''
        reason = getattr(err, 'reason', None) or err
        cache = osp.join(torch.hub.get_dir(), 'checkpoints')
        # mmengine strips mmcls files' 'backbone.' prefix only when they come as mmcls://.
        prefix = (' model.backbone.init_cfg.prefix=backbone.'
                  if str(self.checkpoint).startswith('mmcls://') else '')
        return (
            f'Could not download the pretrained weights {self.checkpoint!r} of '
            f'{type(module).__name__}{source}: {reason}.\n'
            f'Without internet access, fetch the file on another machine and point the config '
            f'at the local copy, e.g. for an encoder: --cfg-options '
            f'model.backbone.init_cfg.checkpoint=/path/to/{_file_name(url)}{prefix}. A file '
            f'already in the torch hub cache ({cache}) under that name is used without a '
            f'download; init_cfg=None trains the encoder from scratch.')


def _best_prefix(match: KeyMatch) -> Optional[str]:
    """A first key component (``'backbone.'``) that, stripped, would load most weights."""
    model_keys = set(match.model_keys)
    counts = {}
    for key in match.checkpoint_keys:
        head, dot, rest = key.partition('.')
        if dot and rest in model_keys:
            counts[head + '.'] = counts.get(head + '.', 0) + 1
    if not counts:
        return None
    prefix, count = max(counts.items(), key=lambda item: item[1])
    return prefix if count > max(match.loaded, len(model_keys) // 2) else None


def _download_url(uri: str) -> Optional[str]:
    """The http(s) address behind a ``torchvision://``, ``open-mmlab://`` or ``mmcls://`` URI."""
    from mmengine.runner import checkpoint
    if uri.startswith(('http://', 'https://')):
        return uri
    tables: List = [('torchvision://', 'get_torchvision_models'),
                    ('open-mmlab://', 'get_external_models'),
                    ('openmmlab://', 'get_external_models'), ('mmcls://', 'get_mmcls_models')]
    for scheme, table in tables:
        if uri.startswith(scheme):
            try:
                url = getattr(checkpoint, table)().get(uri[len(scheme):])
            except Exception:  # an unknown name or a missing package: just name the URI
                return None
            return url if isinstance(url, str) and '://' in url else None
    return None


def _file_name(url: Optional[str]) -> str:
    if not url:
        return 'weights.pth'
    from urllib.parse import urlparse
    return osp.basename(urlparse(url).path) or 'weights.pth'
