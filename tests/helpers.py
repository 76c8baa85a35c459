"""What many tests share: the repository's paths, tools/ scripts as modules, a segmentation
batch, and configs loaded and built without their checkpoints.

Importable as ``helpers`` from every test folder: pytest (rootdir-conftest, ``prepend`` import
mode) puts ``tests/`` on ``sys.path`` when it loads ``tests/conftest.py``.
"""
import copy
import functools
import glob
import importlib.util
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.structures import PixelData

import mmseg
from mmseg.structures import SegDataSample

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO, 'configs')
#: The 8-iteration 64 x 64 quickstart config: the smallest real training run.
SMOKE_CONFIG = osp.join(CONFIGS, 'quickstart', 'unet-w8_1xb2-8it_synthvoc-64x64.py')
BASE_MODELS = sorted(glob.glob(osp.join(CONFIGS, '_base_', 'models', '*.py')))
#: MMSeg's own configs, which ``mmseg::`` inheritance needs (absent from source installs).
MIM_CONFIGS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'configs')
#: Configs of optional benchmark peers need their package (requirements/benchmark.txt).
OPTIONAL_PACKAGES = {'SMPSegmentor': 'segmentation_models_pytorch'}
#: Overrides that make the full-width U-Net-family base models tiny for CPU tests.
TINY_BASE_MODELS = {
    'unet': dict(backbone=dict(base_channels=8),
                 decode_head=dict(in_channels=[8, 16, 32, 64, 128], channels=8)),
    'attention_unet': dict(backbone=dict(base_channels=8),
                           decode_head=dict(in_channels=[8, 16, 32, 64, 128], channels=8)),
    'unet_r50': dict(backbone=dict(depth=18, init_cfg=None),
                     decode_head=dict(in_channels=[64, 64, 128, 256, 512], channels=16,
                                      decoder_channels=[16, 16, 32, 32])),
}


def experiment_configs() -> List[str]:
    """Every shipped config but the ``_base_`` parts, relative to the repository."""
    return sorted(
        osp.relpath(p, REPO) for p in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
        if '_base_' not in osp.relpath(p, CONFIGS).split(os.sep))


def tool_env(**extra) -> dict:
    """The environment for a tools/ script run as a subprocess: one thread, seglab importable
    from this checkout."""
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', **extra)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    return env


def load_tool(relpath: str, module_name: Optional[str] = None):
    """A tools/ script (``relpath`` from the repository root) imported as a module; give each
    caller its own ``module_name`` when the module keeps state."""
    path = osp.join(REPO, relpath)
    name = module_name or 'seglab_tool_' + osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seg_samples(num_classes: int, shape: Tuple[int, int], n: int,
                generator: torch.Generator, ignore_rows: int = 0) -> List[SegDataSample]:
    """``n`` samples with random ``gt_sem_seg`` labels in ``[0, num_classes)`` (the first
    ``ignore_rows`` rows 255) and image/pad/original shape ``shape``."""
    h, w = shape
    samples = []
    for _ in range(n):
        label = torch.randint(0, num_classes, (1, h, w), generator=generator)
        label[:, :ignore_rows] = 255
        sample = SegDataSample(metainfo=dict(img_shape=(h, w), pad_shape=(h, w),
                                             ori_shape=(h, w)))
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return samples


def seg_batch(num_classes: int, shape: Union[int, Tuple[int, int]] = 64, n: int = 2,
              seed: int = 0, ignore_rows: int = 0) -> Tuple[torch.Tensor, List[SegDataSample]]:
    """A preprocessed batch, as ``model.loss``/``model.predict`` take it: normalised random
    images ``(n, 3, h, w)`` (drawn first) and :func:`seg_samples` from one seeded generator."""
    h, w = (shape, shape) if isinstance(shape, int) else shape
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, 3, h, w, generator=gen)
    return inputs, seg_samples(num_classes, (h, w), n, gen, ignore_rows)


@functools.lru_cache(maxsize=None)
def _fromfile(path: str) -> Config:
    return Config.fromfile(path)


def load_config(path: str, for_building: bool = True) -> Config:
    """The config at ``path`` (absolute or relative to the repository), parsed once per
    session: copy before changing it. Skips the test when the config needs what this install
    lacks: MMSeg's ``mmseg::`` configs, or (``for_building``) the optional package of the
    model it builds."""
    full = path if osp.isabs(path) else osp.join(REPO, path)
    with open(full) as f:
        text = f.read()
    for marker, package in OPTIONAL_PACKAGES.items():
        if for_building and marker in text and importlib.util.find_spec(package) is None:
            pytest.skip(f'{path} needs the optional {package} (requirements/benchmark.txt)')
    if 'mmseg::' in text and not osp.isdir(MIM_CONFIGS):
        pytest.skip(f'{path} inherits mmseg:: configs, but this mmseg install has no '
                    f'{MIM_CONFIGS} (install mmsegmentation from a wheel/PyPI)')
    return _fromfile(full)


def model_cfg_without_weights(cfg: Config, **decode_head) -> ConfigDict:
    """A copy of the config's model without checkpoints: weights are URIs or local files that
    a user supplies, so building must not depend on them. Class-weight JSONs written from data
    not shipped here (Cityscapes) become uniform weights; ``decode_head`` updates the head."""
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('pretrained', None)
    model_cfg.pop('init_cfg', None)
    for part in ('backbone', 'decode_head'):
        if isinstance(model_cfg.get(part), dict):
            model_cfg[part].pop('init_cfg', None)
            model_cfg[part].pop('pretrained', None)
    for part in ('decode_head', 'auxiliary_head'):
        head = model_cfg.get(part)
        losses = head.get('loss_decode') if isinstance(head, dict) else None
        for loss in (losses if isinstance(losses, (list, tuple)) else [losses]):
            weight = loss.get('class_weight') if isinstance(loss, dict) else None
            if isinstance(weight, str) and not osp.isfile(weight):
                loss['class_weight'] = None
    if decode_head:
        model_cfg.decode_head.update(decode_head)
    return model_cfg


def merge_into(dst: dict, src: dict) -> dict:
    """``dst`` updated in place, recursively, by ``src``."""
    for key, value in src.items():
        if isinstance(value, dict):
            merge_into(dst[key], value)
        else:
            dst[key] = value
    return dst


def build_model_from(path: str, seed: int = 0, **decode_head):
    """The model of the config at ``path`` (see :func:`load_config`), built without weights
    (:func:`model_cfg_without_weights`) after ``torch.manual_seed(seed)``."""
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    cfg = load_config(path)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    torch.manual_seed(seed)
    return MODELS.build(model_cfg_without_weights(cfg, **decode_head))


def train_from_cfg(cfg: Config, resume: bool = False):
    """``Runner.from_cfg(cfg).train()`` in this process (``cfg.resume = resume``); returns the
    runner."""
    from mmengine.runner import Runner
    cfg.resume = resume
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def run_toy_epochs(work_dir, model, metric, optimizer: dict, param_scheduler, custom_hooks,
                   val_batch_size: int = 2, max_epochs: int = 40):
    """Train ``model`` on two constant inputs for up to ``max_epochs`` epochs, validating
    with ``metric`` after each (mmengine's Runner, no checkpoints); returns the runner and
    the learning rate at the start of every epoch."""
    from mmengine.hooks import Hook
    from mmengine.runner import Runner
    lrs = []

    class RecordLR(Hook):

        def before_train_epoch(self, runner):
            lrs.append(runner.optim_wrapper.get_lr()['lr'][0])

    data = [dict(inputs=torch.ones(1))] * 2
    train_loader = dict(dataset=data, batch_size=2, collate_fn=dict(type='default_collate'),
                        sampler=dict(type='DefaultSampler', shuffle=False))
    runner = Runner(
        model=model, work_dir=str(work_dir), default_scope='mmseg',
        train_dataloader=train_loader,
        val_dataloader=dict(train_loader, batch_size=val_batch_size), val_evaluator=[metric],
        optim_wrapper=dict(optimizer=dict(optimizer)),
        param_scheduler=param_scheduler,
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=1), val_cfg=dict(),
        custom_hooks=[RecordLR()] + list(custom_hooks),
        default_hooks=dict(checkpoint=None, logger=dict(type='LoggerHook', interval=1000)))
    runner.train()
    return runner, lrs


def keras_plateau_lrs(num_epochs: int, lr: float = 1e-3, min_lr: float = 1e-6) -> List[float]:
    """Keras' ReduceLROnPlateau(factor=0.5, patience=2) per epoch when the best validation is
    the 2nd and none improves after it: epochs 3 and 4 do not improve, so the rate halves
    before epoch 5, then every two epochs (Keras resets its wait counter after a reduction)
    down to ``min_lr``."""
    expected = [lr] * 4
    while len(expected) < num_epochs:
        lr = max(lr * 0.5, min_lr)
        expected += [lr, lr]
    return expected[:num_epochs]


__all__: Sequence[str] = [
    'REPO', 'CONFIGS', 'SMOKE_CONFIG', 'BASE_MODELS', 'MIM_CONFIGS', 'OPTIONAL_PACKAGES',
    'TINY_BASE_MODELS', 'experiment_configs', 'tool_env', 'load_tool', 'seg_samples', 'seg_batch',
    'load_config', 'model_cfg_without_weights', 'merge_into', 'build_model_from',
    'train_from_cfg', 'run_toy_epochs', 'keras_plateau_lrs'
]
