"""Every config in the repository builds its model, trains a step and predicts at input size.

The experiment configs and the ``_base_/models`` configs (the U-Net family made tiny) meet
one test: the model builds, its data preprocessor stacks images of different odd sizes, one
SGD step on a tiny batch gives finite losses and gradients and changes the encoder, and it
predicts logits for every class at the input size (64 x 64 and, through the preprocessor, an
odd size). Full-protocol configs (ResNet-50 FCNs at dilation 8 take seconds per forward on
CPU) only build in the default suite; their step runs in the slow one.

Also: each config's dataset, pipeline, evaluator, optimiser, schedulers and hooks resolve in
the registries; on ``../shared`` the real datasets load a sample through each distinct
pipeline; the study schedules hold the papers' hyper-parameters; every ``*_cpu-reduced.py``
config inherits its full-protocol config and keeps its model type, loss and optimiser; the
study-002 plateau/early-stopping settings behave like Keras' callbacks with the study's
patience values.
"""
import copy
import re
import os.path as osp

import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope

from mmseg.registry import (DATASETS, HOOKS, METRICS, MODELS, OPTIM_WRAPPERS, OPTIMIZERS,
                            PARAM_SCHEDULERS, TRANSFORMS)
from mmseg.structures import SegDataSample

from helpers import (BASE_MODELS, CONFIGS, MIM_CONFIGS, REPO, TINY_BASE_MODELS,
                     experiment_configs, keras_plateau_lrs, load_config, merge_into,
                     model_cfg_without_weights, run_toy_epochs, seg_batch, seg_samples)

CONFIG_DIR = CONFIGS
ALL_CONFIGS = experiment_configs()
REDUCED_CONFIGS = [p for p in ALL_CONFIGS if p.endswith('_cpu-reduced.py')]
BASE_MODEL_CONFIGS = [osp.relpath(p, REPO) for p in BASE_MODELS]

# Paths the configs use by default (data/...) and where ../shared holds the same data.
SHARED_DATA = {
    'data/VOCdevkit/VOC2012': ('data', 'VOCdevkit', 'VOC2012'),
    'data/camvid': ('data', 'camvid'),
}


def _types(cfg_obj):
    """Every ``type`` in a (nested) config dict/list, with its path."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            if isinstance(node.get('type'), str):
                found.append((where, node['type']))
            for key, value in node.items():
                walk(value, f'{where}.{key}')
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                walk(value, f'{where}[{i}]')

    walk(cfg_obj, '')
    return found


def _fake_batch(num_classes: int, size: int = 64, batch: int = 2, presence_classes=None):
    """Normalised random images and labels in [0, C) with an ignored (255) band, and the
    image-level targets of multi-task models (PackMultiTaskInputs' fields; the presence
    vector has ``presence_classes`` entries, C by default)."""
    inputs, samples = seg_batch(num_classes, size, batch, ignore_rows=4)
    k = presence_classes or num_classes
    for sample in samples:
        label = sample.gt_sem_seg.data
        sample.gt_label = torch.tensor(0)
        sample.gt_presence = torch.zeros(k).index_fill_(0, label[(label != 255) & (label < k)], 1.)
        sample.gt_bbox, sample.gt_bbox_valid = torch.tensor([.1, .2, .6, .9]), torch.tensor(True)
    return inputs, samples


def _model_cfg(path: str) -> ConfigDict:
    """The config's model without checkpoints; the full-width U-Net base models tiny."""
    model_cfg = model_cfg_without_weights(load_config(path))
    if path not in BASE_MODEL_CONFIGS:
        return model_cfg
    return merge_into(model_cfg, TINY_BASE_MODELS.get(osp.basename(path)[:-3], {}))


def _model_cases():
    """``(path, 'train')`` for the base models, the reduced (CPU-run) configs and the
    quickstart; a full-protocol config is ``(path, 'build')`` in the default suite and
    ``(path, 'train')`` in the slow one."""
    cases = []
    for path in BASE_MODEL_CONFIGS + ALL_CONFIGS:
        light = (path in BASE_MODEL_CONFIGS or path in REDUCED_CONFIGS
                 or path.startswith(osp.join('configs', 'quickstart')))
        if light:
            cases.append(pytest.param(path, 'train'))
        else:
            cases += [pytest.param(path, 'build'),
                      pytest.param(path, 'train', marks=pytest.mark.slow)]
    return cases


def _stacks_odd_sizes(model, num_classes: int, path: str):
    """mmseg's SegDataPreProcessor needs ``size`` or ``size_divisor`` to stack a training
    batch; without either, the first iteration of every config built on it fails."""
    # Below a fixed ``size`` (the pipeline crops to it), else (67, 75) and (61, 83).
    size = getattr(model.data_preprocessor, 'size', None) or (68, 84)
    sizes = [(min(h, size[0] - 1), min(w, size[1] - 1)) for h, w in ((67, 75), (61, 83))]
    samples = [seg_samples(num_classes, s, 1, torch.Generator().manual_seed(i))[0]
               for i, s in enumerate(sizes)]
    images = [torch.randint(0, 255, (3, *s.img_shape), dtype=torch.uint8) for s in samples]
    data = model.data_preprocessor(dict(inputs=images, data_samples=samples), True)
    assert data['inputs'].shape[0] == 2, f'{path}: not stacked'  # one size for the batch
    assert data['inputs'].shape[-2:] == data['data_samples'][0].gt_sem_seg.data.shape[-2:], \
        f'{path}: images and labels padded to different sizes'


def _trains_a_step(model, decode_head, num_classes: int, path: str):
    """One SGD step: finite losses and gradients, every head parameter in the loss, the
    encoder's first trainable weight changed."""
    # A base multi-task config may count its presence classes apart from the mask's.
    presence = [m.num_classes for m in model.modules()
                if getattr(m, 'target_key', None) == 'gt_presence']
    inputs, samples = _fake_batch(num_classes, presence_classes=(presence or [None])[0])
    torch.manual_seed(0)
    model.train()
    losses = model.loss(inputs, samples)
    assert any('loss' in name for name in losses), f'{path}: no loss in {list(losses)}'
    for name, value in losses.items():
        if 'loss' in name:
            total = sum(value) if isinstance(value, (list, tuple)) else value
            assert torch.isfinite(total).all(), f'{path}: {name} = {total}'
    loss, _ = model.parse_losses(losses)
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    params = [p for _, p in named]
    before = [p.detach().clone() for p in params]
    encoder = next((i for i, (n, _) in enumerate(named) if n.startswith('backbone.')), None)
    loss.backward()
    if decode_head is not None:
        assert all(p.grad is not None for p in decode_head.parameters() if p.requires_grad), \
            f'{path}: every head parameter takes part in the loss'
    assert all(torch.isfinite(p.grad).all() for p in params if p.grad is not None), path
    torch.optim.SGD(params, lr=0.01).step()
    assert any(not torch.equal(b, p) for b, p in zip(before, params)), f'{path}: no update'
    if encoder is not None:
        assert not torch.equal(before[encoder], params[encoder]), \
            f'{path}: the encoder did not train'
    return inputs, samples


def _predicts_at_input_size(model, decode_head, num_classes: int, inputs, samples, path):
    """Logits for every class at 64 x 64, and at an odd size both through the data
    preprocessor (padding to its size/size_divisor, cropped back) and directly (no padding;
    not for mmseg's UNet, which asserts that its downsampling divides the input); not for the
    benchmark configs."""
    model.eval()
    with torch.no_grad():
        (pred, ) = model.predict(inputs[:1], samples[:1])
    if decode_head is None:  # a multi-task model without a mask branch: image-level outputs
        assert 'pred_bbox' in pred or 'pred_scores' in pred, f'{path}: no image-level output'
        return
    shape = tuple(pred.seg_logits.data.shape)
    assert shape == (num_classes, 64, 64), f'{path}: logits {shape}, want ({num_classes}, 64, 64)'
    if path.startswith(osp.join('configs', 'benchmark', '')):
        # Benchmark configs time fixed shapes; their mmseg UNets do not pad at test time.
        return
    h, w = 75, 99
    gen = torch.Generator().manual_seed(0)
    data = dict(inputs=[torch.randint(0, 256, (3, h, w), generator=gen, dtype=torch.uint8)],
                data_samples=[SegDataSample(metainfo=dict(ori_shape=(h, w), img_shape=(h, w)))])
    with torch.no_grad():
        (result, ) = model.test_step(data)
    assert tuple(result.seg_logits.data.shape) == (num_classes, h, w), path
    assert tuple(result.pred_sem_seg.data.shape) == (1, h, w), path
    if type(getattr(model, 'backbone', None)).__name__ == 'UNet':
        return  # mmseg's UNet refuses sizes its downsampling does not divide: configs pad
    with torch.no_grad():
        (direct, ) = model.predict(torch.randn(1, 3, h, w, generator=gen))
    assert tuple(direct.seg_logits.data.shape) == (num_classes, h, w), path


@pytest.mark.parametrize('path,depth', _model_cases())
def test_config_builds_trains_a_step_and_predicts_at_input_size(path, depth):
    """``build``: the model builds on the meta device (no memory, no init; fast). ``train``:
    it builds, stacks odd sizes, trains a step and predicts at input size."""
    model_cfg = _model_cfg(path)
    init_default_scope(load_config(path).get('default_scope', 'mmseg'))
    if depth == 'build':
        with torch.device('meta'):
            model = MODELS.build(model_cfg)
        assert sum(p.numel() for p in model.parameters()) > 0
        return
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    assert sum(p.numel() for p in model.parameters()) > 0
    # Segmentors without a decode head (the SMP benchmark peer) carry num_classes themselves.
    decode_head = getattr(model, 'decode_head', model)
    # A multi-task model without a mask branch (decode_head=None) predicts image-level outputs.
    num_classes = decode_head.num_classes if decode_head is not None else 2
    _stacks_odd_sizes(model, num_classes, path)
    inputs, samples = _trains_a_step(model, decode_head, num_classes, path)
    _predicts_at_input_size(model, decode_head, num_classes, inputs, samples, path)


@pytest.mark.parametrize('path', ALL_CONFIGS)
def test_config_data_and_schedule_resolve(path):
    """Dataset, transforms, evaluator, optimiser, schedulers and hooks are registered names;
    transforms build; the optimiser wrapper builds on a toy module."""
    cfg = load_config(path)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    registries = [
        ('train_dataloader.dataset', DATASETS), ('val_dataloader.dataset', DATASETS),
        ('val_evaluator', METRICS), ('test_evaluator', METRICS),
        ('param_scheduler', PARAM_SCHEDULERS), ('custom_hooks', HOOKS),
        ('default_hooks', HOOKS),
    ]
    for field, registry in registries:
        node = cfg
        for key in field.split('.'):
            node = node.get(key) if node is not None else None
        if node is None:
            continue
        top = node if isinstance(node, (list, tuple)) else [node]
        for item in top:
            if isinstance(item, dict) and 'type' in item and isinstance(item['type'], str):
                assert registry.get(item['type']) is not None, \
                    f'{path}: {field} type {item["type"]!r} is not registered'
            elif isinstance(item, dict) and field == 'default_hooks':
                for hook in item.values():
                    if hook:
                        assert HOOKS.get(hook['type']) is not None, \
                            f'{path}: hook {hook["type"]!r} is not registered'
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg.get(split, {}).get('dataset')
        while dataset is not None and 'dataset' in dataset:  # RepeatDataset & co.
            dataset = dataset['dataset']
        for transform in (dataset or {}).get('pipeline', []):
            TRANSFORMS.build(copy.deepcopy(transform))
    assert OPTIMIZERS.get(cfg.optim_wrapper.optimizer.type) is not None
    assert OPTIM_WRAPPERS.get(cfg.optim_wrapper.get('type', 'OptimWrapper')) is not None
    from mmengine.optim import build_optim_wrapper
    build_optim_wrapper(torch.nn.Conv2d(3, 4, 3), copy.deepcopy(cfg.optim_wrapper))


def _datasets_on_shared(shared):
    """One (config, split, dataset cfg) per distinct dataset config that ../shared can serve."""
    seen, cases = set(), []
    for path in ALL_CONFIGS:
        if 'mmseg::' in open(osp.join(REPO, path)).read() and not osp.isdir(MIM_CONFIGS):
            continue
        cfg = load_config(path)
        for split in ('train_dataloader', 'val_dataloader'):
            dataset = copy.deepcopy(cfg.get(split, {}).get('dataset'))
            if dataset is None or dataset.get('data_root') not in SHARED_DATA:
                continue
            key = repr(dataset.to_dict() if hasattr(dataset, 'to_dict') else dataset)
            if key in seen:
                continue
            seen.add(key)
            dataset['data_root'] = osp.join(shared, *SHARED_DATA[dataset['data_root']])
            cases.append((path, split, dataset))
    return cases


def test_real_datasets_load_through_each_pipeline(shared_dir, tmp_path, monkeypatch):
    """Every distinct VOC-8 / CamVid dataset config loads a real sample from ../shared."""
    monkeypatch.chdir(tmp_path)  # any cache a dataset writes stays out of the tree
    init_default_scope('mmseg')
    cases = _datasets_on_shared(shared_dir)
    if not cases:
        pytest.skip('no config uses data/VOCdevkit/VOC2012 or data/camvid')
    for path, split, dataset_cfg in cases:
        dataset = DATASETS.build(dataset_cfg)
        assert len(dataset) > 0, f'{path} {split}: empty dataset'
        sample = dataset[0]
        label = sample['data_samples'].gt_sem_seg.data
        num_classes = len(dataset.metainfo['classes'])
        values = set(torch.unique(label).tolist()) - {255}
        assert values and max(values) < num_classes, \
            f'{path} {split}: label values {sorted(values)} for {num_classes} classes'
        img = sample['inputs']
        if split == 'train_dataloader':  # test pipelines resize the image only (mmseg style)
            assert img.shape[-2:] == label.shape[-2:], f'{path} {split}: image/label size differ'


# The papers' hyper-parameters (texts in ../shared/papers/), as the schedules must hold them.
PAPER_SCHEDULES = {
    # study 000 §4.3
    'schedule_adamw-const_30e.py': dict(optimizer=('AdamW', 2e-4, 1e-4), epochs=30),
    # study 001 Table I (momentum 0.9)
    'schedule_sgd-0.1_210e.py': dict(optimizer=('SGD', 0.1, None), momentum=0.9, epochs=210),
    # study 002 §5.2
    'schedule_adam-plateau_100e.py': dict(optimizer=('Adam', 1e-3, None)),
    # study 004 §III.E
    'schedule_adamw-step_20e.py': dict(optimizer=('AdamW', 1e-4, 1e-4), epochs=20,
                                       betas=(0.9, 0.999), clip=1.0, step=(20, 0.5)),
}


@pytest.mark.parametrize('name', sorted(PAPER_SCHEDULES))
def test_schedules_hold_the_papers_hyperparameters(name):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, '_base_', 'schedules', name))
    want = PAPER_SCHEDULES[name]
    opt = cfg.optim_wrapper.optimizer
    kind, lr, wd = want['optimizer']
    assert (opt.type, opt.lr) == (kind, lr)
    if wd is not None:
        assert opt.weight_decay == wd
    if 'momentum' in want:
        assert opt.momentum == want['momentum']
    if 'epochs' in want:
        assert cfg.train_cfg.type == 'EpochBasedTrainLoop'
        assert cfg.train_cfg.max_epochs == want['epochs']
    if 'betas' in want:
        assert tuple(opt.betas) == want['betas']
    if 'clip' in want:
        assert cfg.optim_wrapper.clip_grad.max_norm == want['clip']
    if 'step' in want:
        (sched, ) = cfg.param_scheduler
        assert (sched.type, sched.step_size, sched.gamma) == ('StepLR', *want['step'])


def _full_config_of(reduced: str) -> str:
    """The full-protocol config of a reduced one: its single `_base_`, or, for a reduced config
    that is a thin diff of a reduced sibling (the loss swapped), the full config its header
    names ("... protocol of <full config>")."""
    text = open(osp.join(REPO, reduced)).read()
    bases = re.findall(r"_base_ = \[\s*'\./([^']+)'\s*\]", text)
    assert len(bases) == 1, f'{reduced} must inherit exactly one config of its folder'
    named = re.search(r'protocol of\s*(?:#\s*)?(\S+\.py)', text)
    if bases[0].endswith('_cpu-reduced.py') and named:
        return osp.join(osp.dirname(reduced), named.group(1))
    return osp.join(osp.dirname(reduced), bases[0])


@pytest.mark.parametrize('path', REDUCED_CONFIGS)
def test_reduced_configs_inherit_their_full_protocol(path):
    """A reduced config is its full config plus overrides of size/budget only: same model
    type, encoder type (unless the name says otherwise), loss, optimiser type and learning
    rate."""
    full_path = _full_config_of(path)
    assert osp.isfile(osp.join(REPO, full_path)), f'{path}: no full config {full_path}'
    text = open(osp.join(REPO, path)).read()
    assert osp.basename(full_path) in text, f'{path} must inherit {osp.basename(full_path)}'
    reduced, full = load_config(path), load_config(full_path)
    assert reduced.model.type == full.model.type
    if reduced.model.backbone.type != full.model.backbone.type:
        # A swapped encoder is a deviation the name must show (MMSeg naming: algorithm_backbone).
        name = lambda p: osp.basename(p).split('_')[:2]  # noqa: E731
        assert name(path) != name(full_path), (
            f'{path}: encoder {reduced.model.backbone.type} instead of '
            f'{full.model.backbone.type}, but the name does not say so')
    assert reduced.model.decode_head.type == full.model.decode_head.type
    # The loss is the object of the studies: it must not change (frequency vectors may).
    loss_r, loss_f = (c.model.decode_head.loss_decode for c in (reduced, full))
    assert [t for _, t in _types(loss_r)] == [t for _, t in _types(loss_f)]
    assert reduced.optim_wrapper.optimizer.type == full.optim_wrapper.optimizer.type
    assert reduced.optim_wrapper.optimizer.lr == full.optim_wrapper.optimizer.lr


def test_plateau_and_early_stopping_follow_keras_patience(tmp_path):
    """Study 002 (Keras): LR x0.5 after 2 validations without improvement (min 1e-6), stop
    after 20. Run the schedule's scheduler and an EarlyStoppingHook as the configs set them
    on a toy model whose monitored value (val_loss by default) is scripted: an improvement,
    then flat. (tests/engine/test_val_loss_hook.py runs it with the ValLossHook that
    computes it.)"""
    from mmengine.evaluator import BaseMetric
    from mmengine.model import BaseModel

    # The scheduler and the early stopping of the study's config (its monitor: val_loss).
    sched_cfg = load_config(osp.join('configs', '002_transfer',
                                     'light_m-v2_1xb32-100e_camvid-360x480.py'))
    (early, ) = [copy.deepcopy(h) for h in sched_cfg.custom_hooks
                 if h['type'] == 'ResumableEarlyStoppingHook']
    assert early['patience'] == 20
    (plateau, ) = sched_cfg.param_scheduler
    assert (plateau.monitor, plateau.rule) == (early['monitor'], early['rule'])
    sign = 1.0 if early['rule'] == 'greater' else -1.0

    class Toy(BaseModel):

        def __init__(self):
            super().__init__()
            self.w = torch.nn.Linear(1, 1)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            out = self.w(inputs.float().view(-1, 1))
            return dict(loss=out.pow(2).mean()) if mode == 'loss' else [0.0] * len(out)

    scores = [sign * v for v in [10.0, 20.0] + [20.0] * 40]

    class ScriptedMetric(BaseMetric):
        calls = 0

        def process(self, data_batch, data_samples):
            self.results.append(0)

        def compute_metrics(self, results):
            ScriptedMetric.calls += 1
            return {early['monitor']: scores[ScriptedMetric.calls - 1]}

    runner, lrs = run_toy_epochs(tmp_path, Toy(), ScriptedMetric(),
                                 sched_cfg.optim_wrapper.optimizer, sched_cfg.param_scheduler,
                                 [early])
    assert lrs == pytest.approx(keras_plateau_lrs(len(lrs)))
    # Early stopping: 20 validations without improvement after the best (epoch 2).
    assert runner.epoch == 22, f'stopped after epoch {runner.epoch}'


@pytest.mark.parametrize('path', ALL_CONFIGS)
def test_config_keys_known_and_loaders_checked(path):
    """No misspelt key or unexpected keyword (the start-up check of tools/train.py and
    tools/test.py passes on every shipped config), and every dataloader loads through the
    Checked loaders; for datasets that do not put num_classes in their samples (mmseg's),
    CheckedLoadAnnotations gets the model's num_classes for its label-range check."""
    from seglab.utils.config_keys import unexpected_keywords, unknown_top_level_keys
    cfg = load_config(path)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    assert unknown_top_level_keys(cfg) + unexpected_keywords(cfg) == []
    seglab_datasets = ('VOCSubsetDataset', 'CamVidDataset', 'OxfordPetDataset')
    head = cfg.model.get('decode_head') or {}
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg.get(split, {}).get('dataset')
        while dataset is not None and 'dataset' in dataset:
            dataset = dataset['dataset']
        if not dataset:
            continue
        types = [t['type'] for t in dataset.get('pipeline', [])]
        assert 'LoadImageFromFile' not in types and 'LoadAnnotations' not in types, \
            f'{path}: {split} loads without the Checked loaders: {types}'
        for transform in dataset.get('pipeline', []):
            if transform['type'] == 'CheckedLoadAnnotations' and \
                    dataset['type'] not in seglab_datasets:
                assert transform.get('num_classes') == head.get('num_classes'), \
                    f'{path}: {split}: CheckedLoadAnnotations needs num_classes for the ' \
                    f'label-range check of {dataset["type"]}'
    tta = [name for _, name in _types(cfg.get('tta_pipeline', []))]
    assert 'LoadImageFromFile' not in tta and 'LoadAnnotations' not in tta, f'{path}: {tta}'
