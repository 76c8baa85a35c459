"""Mixed precision on CPU: ``--amp`` / ``AmpOptimWrapper`` train in bfloat16 (no loss scaler),
validate under the same autocast, keep losses in float32, resume bit-exactly, and leave
checkpoints interchangeable with fp32 runs."""
import copy
import itertools
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import seglab  # noqa: F401
from mmseg.registry import HOOKS, MODELS
from seglab.compat import safe_torch_load
from seglab.engine import (AmpTestLoop, AmpValLoop, CPUAwareAmpOptimWrapper,
                           NonFiniteLossError, NonFiniteLossHook)
from seglab.engine.amp_loops import run_amp_dtype
from seglab.benchmark import build_model, model_num_classes, synthetic_batch
from seglab.utils.cli import autocast_eval_loops, enable_amp

from helpers import BASE_MODELS, SMOKE_CONFIG

ADAMW = dict(type='AdamW', lr=1e-3)


def _conv_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))


_RUN_IDS = itertools.count()


def _smoke_cfg(voc_root, work_dir, max_iters=8, amp=True, val=False):
    cfg = Config.fromfile(SMOKE_CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = voc_root
    cfg.work_dir = str(work_dir)
    # Runners built within one second would share mmengine's timestamp name (one MessageHub).
    cfg.experiment_name = f'{osp.basename(str(work_dir))}_{next(_RUN_IDS)}'
    cfg.train_cfg.max_iters = max_iters
    if not val:
        cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    if amp:
        enable_amp(cfg)  # what tools/train.py --amp does
    return cfg


def _train(cfg, resume=False, load_from=None):
    cfg = copy.deepcopy(cfg)
    cfg.resume = resume
    cfg.load_from = load_from
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def _weights(path):
    return safe_torch_load(path, map_location='cpu')['state_dict']


# ---------------------------------------------------------------------------------------------
# The wrapper and the configuration paths
# ---------------------------------------------------------------------------------------------


def test_config_amp_optim_wrapper_trains_in_bf16_on_cpu():
    """A config saying mmengine's name (mmseg scope) builds seglab's CPU-capable wrapper."""
    init_default_scope('mmseg')
    model = _conv_model()
    wrapper = build_optim_wrapper(model, dict(type='AmpOptimWrapper', optimizer=ADAMW))
    assert isinstance(wrapper, CPUAwareAmpOptimWrapper)
    assert wrapper.cast_dtype == torch.bfloat16 and wrapper.precision == 'bfloat16'
    assert not wrapper.loss_scaler.is_enabled()  # bf16 needs no loss scaling
    x = torch.randn(2, 3, 8, 8)
    with wrapper.optim_context(model):
        inside = model[0](x)
    assert inside.dtype == torch.bfloat16
    assert model[0](x).dtype == torch.float32
    before = model[0].weight.detach().clone()
    with wrapper.optim_context(model):
        loss = model(x).float().square().mean()
    wrapper.update_params(loss)
    assert model[0].weight.dtype == torch.float32 and model[0].weight.grad is None
    assert not torch.equal(before, model[0].weight)
    # A checkpoint of it carries an (empty) loss_scaler entry and loads back.
    state = wrapper.state_dict()
    assert state['loss_scaler'] == {}
    wrapper.load_state_dict(copy.deepcopy(state))


@pytest.mark.skipif(torch.cuda.is_available(), reason='mmengine builds its wrapper on a GPU')
def test_mmengine_wrapper_still_refuses_cpu():
    """Why the subclass exists; and mmengine's registry entry is untouched."""
    init_default_scope('mmseg')
    with pytest.raises(AssertionError, match='only available training on gpu'):
        build_optim_wrapper(_conv_model(),
                            dict(type='mmengine.AmpOptimWrapper', optimizer=ADAMW))


def test_cpu_rejects_float16_with_the_fix():
    init_default_scope('mmseg')
    with pytest.raises(ValueError, match=r"CPU autocast trains in bfloat16 only; set "
                       r"optim_wrapper.dtype='bfloat16'"):
        build_optim_wrapper(_conv_model(), dict(type='CPUAwareAmpOptimWrapper',
                                                dtype='float16', optimizer=ADAMW))


def test_enable_amp_selects_the_wrapper_and_the_eval_loops():
    cfg = enable_amp(Config.fromfile(SMOKE_CONFIG))
    assert cfg.optim_wrapper.type == 'CPUAwareAmpOptimWrapper'
    assert cfg.optim_wrapper.constructor == 'FusedOptimWrapperConstructor'  # kept
    assert cfg.val_cfg.type == 'AmpValLoop' and cfg.test_cfg.type == 'AmpTestLoop'
    # A config that says AmpOptimWrapper itself gets the loops from tools/train.py/test.py.
    cfg = Config.fromfile(SMOKE_CONFIG)
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.val_cfg = dict(type='ValLoop', fp16=False)
    cfg.test_cfg = dict(type='MyTestLoop')
    autocast_eval_loops(cfg)
    assert cfg.val_cfg == dict(type='AmpValLoop', fp16=False)
    assert cfg.test_cfg.type == 'MyTestLoop'  # someone else's loop: left alone
    # fp32 configs are not touched.
    cfg = autocast_eval_loops(Config.fromfile(SMOKE_CONFIG))
    assert cfg.val_cfg.type == 'ValLoop'


def test_run_amp_dtype_reads_built_wrappers_and_configs():
    assert run_amp_dtype(dict(type='OptimWrapper')) is None
    assert run_amp_dtype(None) is None
    expected = torch.float16 if torch.cuda.is_available() else torch.bfloat16
    assert run_amp_dtype(dict(type='AmpOptimWrapper')) == expected
    assert run_amp_dtype(dict(type='CPUAwareAmpOptimWrapper', dtype='bfloat16')) == \
        torch.bfloat16
    init_default_scope('mmseg')
    wrapper = build_optim_wrapper(_conv_model(), dict(type='AmpOptimWrapper', optimizer=ADAMW))
    assert run_amp_dtype(wrapper) == torch.bfloat16


# ---------------------------------------------------------------------------------------------
# Numerics: every base model, one step in bf16 vs fp32
# ---------------------------------------------------------------------------------------------

#: Stated tolerance for a training step's loss in bf16 vs fp32 (same weights, same batch):
#: bf16 keeps 8 bits of mantissa (relative rounding 2^-9 = 0.2 %) per conv; measured on these
#: tiny batches: at most 0.08 % (SegNet VGG16), so 1 % leaves a 10x margin.
LOSS_RTOL = 1e-2
#: The classifier's weight gradient must point the same way (measured: cosine >= 0.89). The
#: whole gradient is not compared: at initialisation, on random labels, early-layer gradients
#: are chaotic; rounding only the input image to bf16 in an fp32 step already turns MobileNetV2's
#: first-conv gradients to cosine ~0.4 against the exact ones.
CLASSIFIER_GRAD_COSINE = 0.8


def _no_dropout(model):
    # Dropout masks are drawn per element in the tensor's dtype: not comparable across dtypes.
    for module in model.modules():
        if isinstance(module, nn.modules.dropout._DropoutNd):
            module.p = 0.0
    for head in (getattr(model, 'decode_head', None), getattr(model, 'auxiliary_head', None)):
        if head is not None and hasattr(head, 'dropout_ratio'):
            head.dropout_ratio = 0.0


def _add_image_targets(data, model):
    """Image-level targets for multi-task models' image heads (label, presence, box), as
    their dataset pipeline (PackMultiTaskInputs) packs them; harmless extras otherwise."""
    g = torch.Generator().manual_seed(3)
    heads = [m for m in model.modules() if hasattr(m, 'target_key') and hasattr(m, 'num_classes')]
    for sample in data['data_samples']:
        for head in heads:
            if head.target_key == 'gt_presence':
                sample.gt_presence = torch.randint(0, 2, (head.num_classes, ), generator=g).float()
            else:
                sample.gt_label = torch.randint(0, head.num_classes, (), generator=g)
        sample.gt_bbox = torch.tensor([0.1, 0.2, 0.6, 0.8])
        sample.gt_bbox_valid = torch.tensor(True)
    return data


def _loss_and_grads(model, state, data, wrapper=None):
    model.load_state_dict(state)
    model.train()
    model.zero_grad(set_to_none=True)
    batch = model.data_preprocessor(data, True)
    if wrapper is None:
        losses = model.loss(batch['inputs'], batch['data_samples'])
    else:
        with wrapper.optim_context(model):
            losses = model.loss(batch['inputs'], batch['data_samples'])
    loss, log_vars = model.parse_losses(losses)
    loss.backward()
    terms = {k: v for k, v in losses.items() if 'loss' in k}
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()
             if p.grad is not None}
    return loss, terms, grads


#: Full-width models whose step takes > 8 s on 2 shared cores: in the slow suite.
HEAVY_MODELS = ('attention_unet.py', 'fcn_dropout.py', 'unet.py', 'unet_r50.py')


#: Known: the MobileNetV3-Large multi-task model's 37-class label loss differs ~4.5 % in bf16 at
#: batch 2 (~1 % at batch 8): the image branch's BatchNorm over two samples amplifies rounding.
#: The box and label losses themselves are computed in fp32.
LABEL_LOSS_AT_BATCH_2 = pytest.mark.xfail(
    reason='MobileNetV3-L multi-task: label loss 4.5 % off in bf16 at batch 2 (BatchNorm over '
    'two samples)', strict=False, raises=AssertionError)


def _model_param(path):
    name = osp.basename(path)
    marks = [pytest.mark.slow] if name in HEAVY_MODELS else []
    if name == 'mobilenetv3_light_multitask.py':
        marks.append(LABEL_LOSS_AT_BATCH_2)
    return pytest.param(path, marks=marks)


@pytest.mark.parametrize('path', [_model_param(p) for p in BASE_MODELS],
                         ids=lambda p: osp.basename(p)[:-3])
def test_bf16_training_step_matches_fp32(path):
    cfg = Config.fromfile(path)
    torch.manual_seed(0)
    model = build_model(cfg, shape=(64, 64))
    _no_dropout(model)
    state = copy.deepcopy(model.state_dict())
    data = _add_image_targets(synthetic_batch(2, (64, 64), model_num_classes(model), seed=1),
                              model)
    wrapper = build_optim_wrapper(model, dict(type='CPUAwareAmpOptimWrapper', optimizer=ADAMW))
    conv_dtypes = []
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    conv.register_forward_hook(lambda _m, _i, out: conv_dtypes.append(out.dtype))
    loss32, terms32, grads32 = _loss_and_grads(model, state, data)
    loss16, terms16, grads16 = _loss_and_grads(model, state, data, wrapper)
    assert conv_dtypes == [torch.float32, torch.bfloat16]  # autocast really ran
    for name, value in terms16.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        assert all(v.dtype == torch.float32 for v in values), f'{name} not computed in fp32'
    assert torch.isfinite(loss16) and loss16.dtype == torch.float32
    assert float(loss16) == pytest.approx(float(loss32.detach()), rel=LOSS_RTOL)
    assert grads16.keys() == grads32.keys() and grads16
    assert all(torch.isfinite(g).all() for g in grads16.values())
    assert all(g.dtype == torch.float32 for g in grads16.values())
    classifier = 'decode_head.conv_seg.weight'
    cosine = torch.nn.functional.cosine_similarity(grads16[classifier].flatten(),
                                                   grads32[classifier].flatten(), dim=0)
    assert cosine > CLASSIFIER_GRAD_COSINE, f'classifier gradient cosine {float(cosine):.3f}'
    # bf16 really differs from fp32: the comparisons above are not vacuous.
    assert not torch.equal(grads16[classifier], grads32[classifier])


# ---------------------------------------------------------------------------------------------
# Runs: validation under autocast, NaN guard, checkpoints, resume
# ---------------------------------------------------------------------------------------------


@HOOKS.register_module(force=True)
class OutputDtypeHookForTest(Hook):
    """Records (training?, dtype) of the classifier's output in every forward."""

    def __init__(self):
        self.seen = []

    def before_run(self, runner):
        runner.model.decode_head.conv_seg.register_forward_hook(
            lambda module, _i, out: self.seen.append((module.training, out.dtype)))


def _dtype_hook(runner):
    return next(h for h in runner.hooks if isinstance(h, OutputDtypeHookForTest))


@pytest.mark.parametrize('amp', [True, False], ids=['amp', 'fp32'])
def test_validation_runs_under_the_training_autocast(synthetic_voc_root, tmp_path, amp):
    cfg = _smoke_cfg(synthetic_voc_root, tmp_path, max_iters=2, amp=amp, val=True)
    cfg.train_cfg.val_interval = 2
    cfg.val_dataloader.dataset.indices = 2
    cfg.val_cfg = dict(type='AmpValLoop')  # fp32 too: the loop follows the run
    cfg.custom_hooks = [dict(type='OutputDtypeHookForTest')]
    runner = _train(cfg)
    assert isinstance(runner.val_loop, AmpValLoop)
    expected = torch.bfloat16 if amp else torch.float32
    seen = _dtype_hook(runner).seen
    assert {d for training, d in seen if training} == {expected}
    assert {d for training, d in seen if not training} == {expected}
    assert len([1 for training, _ in seen if not training]) == 2
    assert 'mIoU' in runner.message_hub.log_scalars.keys() or any(
        k.endswith('mIoU') for k in runner.message_hub.log_scalars)


def test_test_loop_follows_the_config_optim_wrapper(synthetic_voc_root, tmp_path):
    """tools/test.py never builds the optim wrapper: the dtype comes from the config."""
    cfg = _smoke_cfg(synthetic_voc_root, tmp_path, max_iters=2, amp=True)
    runner = _train(cfg)
    ckpt = osp.join(str(tmp_path), 'iter_2.pth')
    test_cfg = _smoke_cfg(synthetic_voc_root, tmp_path / 'test', amp=False, val=True)
    test_cfg.optim_wrapper.type = 'AmpOptimWrapper'
    autocast_eval_loops(test_cfg)  # tools/test.py
    test_cfg.test_dataloader.dataset.indices = 1
    test_cfg.custom_hooks = [dict(type='OutputDtypeHookForTest')]
    test_cfg.load_from = ckpt
    tester = Runner.from_cfg(test_cfg)
    tester.test()
    assert isinstance(tester.test_loop, AmpTestLoop)
    assert _dtype_hook(tester).seen == [(False, torch.bfloat16)]
    del runner


@MODELS.register_module(force=True)
class NaNOnCallsLossForTest(nn.Module):
    """Zero-valued loss term that turns NaN on the listed calls (1-based)."""

    def __init__(self, bad_calls=(), **kwargs):
        super().__init__()
        self.bad_calls = set(bad_calls)
        self.calls = 0

    def forward(self, seg_logits, seg_label, **kwargs):
        self.calls += 1
        loss = seg_logits.float().sum() * 0
        return loss + float('nan') if self.calls in self.bad_calls else loss

    @property
    def loss_name(self):
        return 'loss_nan'


def _nan_cfg(voc_root, work_dir, bad_calls, max_iters=4):
    cfg = _smoke_cfg(voc_root, work_dir, max_iters=max_iters, amp=True)
    cfg.model.decode_head.loss_decode = [
        dict(type='CrossEntropyLoss', loss_name='loss_ce'),
        dict(type='NaNOnCallsLossForTest', bad_calls=bad_calls),
    ]
    cfg.custom_hooks = [dict(type='NonFiniteLossHook', max_consecutive_skips=2)]
    return cfg


def test_nan_guard_skips_then_stops_under_bf16(synthetic_voc_root, tmp_path):
    # One NaN iteration: AMP mode skips the step (no update) and training goes on.
    runner = _train(_nan_cfg(synthetic_voc_root, tmp_path / 'once', bad_calls=[2]))
    hook = next(h for h in runner.hooks if isinstance(h, NonFiniteLossHook))
    assert hook.total_skips == 1
    assert all(torch.isfinite(p).all() for p in runner.model.parameters())
    # Two in a row (max_consecutive_skips=2): it stops, naming the term.
    with pytest.raises(NonFiniteLossError, match=r'2 consecutive non-finite losses \(last at '
                       r'iteration 3: decode.loss_nan=nan'):
        _train(_nan_cfg(synthetic_voc_root, tmp_path / 'twice', bad_calls=[2, 3]))


def test_amp_checkpoints_load_into_fp32_and_back(synthetic_voc_root, tmp_path):
    amp_cfg = _smoke_cfg(synthetic_voc_root, tmp_path / 'amp', max_iters=2)
    _train(amp_cfg)
    amp_ckpt = str(tmp_path / 'amp' / 'iter_2.pth')
    weights = _weights(amp_ckpt)
    assert all(v.dtype in (torch.float32, torch.int64) for v in weights.values())
    # Into a plain fp32 model (strict: same keys, shapes and dtypes) ...
    model = build_model(Config.fromfile(SMOKE_CONFIG), shape=(64, 64))
    model.load_state_dict(weights, strict=True)
    # ... and an fp32 run resumes from it (optimizer state too), then AMP resumes from that.
    fp32_cfg = _smoke_cfg(synthetic_voc_root, tmp_path / 'fp32', max_iters=4, amp=False)
    fp32 = _train(fp32_cfg, resume=True, load_from=amp_ckpt)
    assert fp32.iter == 4
    back_cfg = _smoke_cfg(synthetic_voc_root, tmp_path / 'back', max_iters=6)
    back = _train(back_cfg, resume=True, load_from=str(tmp_path / 'fp32' / 'iter_4.pth'))
    assert back.iter == 6 and isinstance(back.optim_wrapper, CPUAwareAmpOptimWrapper)
    assert all(torch.isfinite(p).all() for p in back.model.parameters())


def test_amp_resume_is_bit_exact(synthetic_voc_root, tmp_path):
    full = tmp_path / 'full'
    _train(_smoke_cfg(synthetic_voc_root, full, max_iters=4))
    part = tmp_path / 'part'
    _train(_smoke_cfg(synthetic_voc_root, part, max_iters=2))
    resumed = _train(_smoke_cfg(synthetic_voc_root, part, max_iters=4), resume=True)
    assert resumed.iter == 4
    reference, again = _weights(str(full / 'iter_4.pth')), _weights(str(part / 'iter_4.pth'))
    different = [k for k in reference if not torch.equal(reference[k], again[k])]
    assert not different, f'{len(different)} tensors differ, e.g. {different[:3]}'
    # AMP really changed the numerics (an fp32 run ends elsewhere): not a vacuous match.
    fp32 = tmp_path / 'fp32'
    _train(_smoke_cfg(synthetic_voc_root, fp32, max_iters=4, amp=False))
    fp32_weights = _weights(str(fp32 / 'iter_4.pth'))
    assert any(not torch.equal(reference[k], fp32_weights[k]) for k in reference
               if reference[k].is_floating_point())
