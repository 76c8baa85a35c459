"""The benchmark tool (issue 8): interleaving, report files, memory, FLOP convention, and that
every optimisation it offers keeps outputs equal. Never asserts speed."""
import copy
import importlib.util
import json
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from seglab.utils.benchmark import (Case, InferStep, PeakMemory, TrainStep, apply_channels_last,
                                    build_model, count_flops, fuse_conv_bn_for_inference,
                                    interleave, matmul_gflops, prepare_model_cfg,
                                    synthetic_batch)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY = osp.join(REPO, 'configs/benchmark/tiny_unet-s5-d16_fcn_w8-64x64.py')
TINY_PLAIN = osp.join(REPO, 'configs/benchmark/tiny_unet_plain-w8-64x64.py')


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        'seglab_benchmark_tool', osp.join(REPO, 'tools/analysis_tools/benchmark.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def tool():
    return _load_tool()


@pytest.fixture(scope='module')
def tiny_cfg():
    return Config.fromfile(TINY)


@pytest.fixture(scope='module')
def plain_cfg():
    return Config.fromfile(TINY_PLAIN)


def _first_conv(model):
    return next(m for m in model.backbone.modules() if isinstance(m, torch.nn.Conv2d))


def test_interleave_order_is_round_robin():
    calls = []
    cases = [Case(name=n, step=(lambda n=n: calls.append(n)), images=1) for n in 'ABC']
    order = []
    between = []
    times = interleave(cases, iters=3, warmup=2, order=order, between=between.append)
    assert order == list('ABC') * 5  # 2 warm-up + 3 timed rounds, each A B C
    assert calls == order
    assert between == [0, 1, 2]  # once before each timed round, never inside one
    assert {k: len(v) for k, v in times.items()} == {'A': 3, 'B': 3, 'C': 3}
    assert all(t >= 0 for v in times.values() for t in v)
    with pytest.raises(ValueError, match='unique'):
        interleave([cases[0], cases[0]], iters=1)


def _check_report(report, mode, names):
    assert report['settings']['mode'] == mode
    assert [r['name'] for r in report['results']] == names
    assert report['matmul_peak_gflops'] > 0
    for row in report['results']:
        for key in ('params', 'flops', 's_per_iter', 'images_per_s', 'achieved_gflops',
                    'peak_fraction'):
            assert row[key] > 0, (key, row[key])
        assert len(row['times']) == report['settings']['iters']
        assert row['images_per_s'] == pytest.approx(report['settings']['batch'] /
                                                     row['s_per_iter'])
        factor = 3 if mode == 'train' else 1
        assert row['achieved_gflops'] == pytest.approx(
            2 * factor * row['flops'] * row['images_per_s'] / 1e9)


@pytest.mark.parametrize('mode', ['train', 'infer'])
def test_tool_writes_json_and_markdown(tool, tmp_path, mode):
    out = str(tmp_path / f'bench_{mode}')
    argv = [TINY, TINY, '--names', 'a', 'b', '--mode', mode, '--shape', '64', '64', '--batch',
            '2', '--iters', '2', '--warmup', '1', '--matmul-n', '256', '--out', out]
    report = tool.main(argv)
    with open(out + '.json') as f:
        saved = json.load(f)
    _check_report(saved, mode, ['a', 'b'])
    assert saved['results'][0]['flops'] == report['results'][0]['flops']
    # The same architecture twice: same parameters and FLOPs.
    assert saved['results'][0]['params'] == saved['results'][1]['params']
    assert saved['ratios'][0]['a'] == 'b' and saved['ratios'][0]['b'] == 'a'
    if mode == 'train':
        assert all(torch.isfinite(torch.tensor(r['last_loss'])) for r in saved['results'])
    with open(out + '.md') as f:
        md = f.read()
    table = [line for line in md.splitlines() if line.startswith('| a |')
             or line.startswith('| b |')]
    assert len(table) == 2
    assert 'AMD' in md or 'Machine:' in md


def test_shape_overrides_the_config_crop_size(tiny_cfg):
    # The tiny config pads to 64x64; a 32x32 benchmark must run (and be counted) at 32x32.
    model_cfg = prepare_model_cfg(tiny_cfg, num_classes=5, shape=(32, 32))
    assert tuple(model_cfg.data_preprocessor['size']) == (32, 32)
    assert model_cfg.decode_head['num_classes'] == 5
    assert model_cfg.auxiliary_head['num_classes'] == 5
    model = build_model(tiny_cfg, num_classes=5, shape=(32, 32))
    data = model.data_preprocessor(synthetic_batch(1, (32, 32), 5), True)
    assert tuple(data['inputs'].shape[-2:]) == (32, 32)


def test_flops_follow_mmengine_multiply_add_convention():
    conv = torch.nn.Conv2d(3, 8, 3, padding=1, bias=False)
    # A bare SMPSegmentor shell: _AllHeadsForward counts its `.net` alone.
    from seglab.utils.benchmark import SMPSegmentor
    fake = SMPSegmentor.__new__(SMPSegmentor)
    torch.nn.Module.__init__(fake)
    fake.net = conv
    info = count_flops(fake, (16, 16))
    assert info['flops'] == 3 * 8 * 9 * 16 * 16  # multiply-adds, not 2x
    assert info['params'] == 3 * 8 * 9


def test_train_flops_include_auxiliary_head(tiny_cfg):
    model = build_model(tiny_cfg, shape=(64, 64))
    train = count_flops(model, (64, 64), train=True)['flops']
    infer = count_flops(model, (64, 64), train=False)['flops']
    assert train > infer > 0


def test_matmul_peak_positive():
    assert matmul_gflops(128, repeats=1) > 0


def test_peak_memory_sees_a_64mib_allocation():
    mem = PeakMemory('cpu')

    def allocate():
        x = torch.ones(16 * 2**20)  # 64 MiB of float32, touched
        assert float(x[-1]) == 1.0

    peak = mem.measure(allocate)
    if peak is None:
        pytest.skip('peak RSS cannot be reset on this OS')
    assert 56 <= peak <= 200


@pytest.mark.parametrize('which', ['tiny_cfg', 'plain_cfg'])
def test_fuse_conv_bn_keeps_inference_outputs(which, request):
    torch.manual_seed(0)
    model = build_model(request.getfixturevalue(which), shape=(64, 64))
    data = synthetic_batch(2, (64, 64), 21, seed=1)
    # Non-trivial running statistics, as a trained model has.
    TrainStep(model, _wrapper(model), data, 'cpu')()
    model.eval()
    inputs = model.data_preprocessor(data, False)['inputs']
    with torch.no_grad():
        before = model._forward(inputs)
    num_bn = sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    fuse_conv_bn_for_inference(model)
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()) < num_bn
    with torch.no_grad():
        after = model._forward(inputs)
    torch.testing.assert_close(after, before, rtol=1e-4, atol=1e-4)
    model.train()
    with pytest.raises(RuntimeError, match='eval'):
        fuse_conv_bn_for_inference(model)


def _wrapper(model):
    from mmengine.optim import OptimWrapper
    return OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0))


def test_channels_last_keeps_outputs_and_gradients(plain_cfg):
    cfg = copy.deepcopy(plain_cfg)
    # seglab models are channels-last by default: start from NCHW so that the reference arm
    # is NCHW and apply_channels_last has something to convert.
    cfg.merge_from_dict({'model.decode_head.dropout_ratio': 0.0,
                         'model.memory_format': 'contiguous'})
    torch.manual_seed(0)
    ref = build_model(cfg, shape=(64, 64))
    data = synthetic_batch(2, (64, 64), 21, seed=2)

    def loss_and_grad(dtype, channels_last):
        model = build_model(cfg, shape=(64, 64))
        model.load_state_dict(ref.state_dict())
        model.to(dtype)
        assert _first_conv(model).weight.is_contiguous()
        if channels_last:
            apply_channels_last(model)
            assert _first_conv(model).weight.is_contiguous(memory_format=torch.channels_last)
        model.train()
        inputs = model.data_preprocessor(data, True)
        loss, _ = model.parse_losses(model.loss(inputs['inputs'].to(dtype),
                                                inputs['data_samples']))
        loss.backward()
        grad = _first_conv(model).weight.grad
        return loss.detach().double(), grad.double()

    loss64, grad64 = loss_and_grad(torch.float64, False)
    loss_nchw, grad_nchw = loss_and_grad(torch.float32, False)
    loss_nhwc, grad_nhwc = loss_and_grad(torch.float32, True)
    torch.testing.assert_close(loss_nhwc, loss64, rtol=1e-5, atol=1e-6)
    # The first conv's gradient of a random U-Net is ill-conditioned (BN backward cancels):
    # fp32 NCHW itself is ~1e-2 off the fp64 value here. NHWC must be no worse than that.
    err_nchw = float((grad_nchw - grad64).norm() / grad64.norm())
    err_nhwc = float((grad_nhwc - grad64).norm() / grad64.norm())
    assert err_nhwc <= 3 * err_nchw + 1e-4, (err_nhwc, err_nchw)


def test_bf16_autocast_loss_close_to_fp32(tiny_cfg):
    torch.manual_seed(0)
    model = build_model(tiny_cfg, shape=(64, 64))
    data = synthetic_batch(2, (64, 64), 21, seed=4)
    losses = {}
    for amp in (None, 'bf16'):
        torch.manual_seed(5)
        step = TrainStep(model, _wrapper(model), data, 'cpu', amp)  # lr 0: weights unchanged
        step()
        losses[amp] = step.last_loss
    assert losses['bf16'] == pytest.approx(losses[None], rel=2e-2)


def test_infer_step_runs_test_step(tiny_cfg):
    model = build_model(tiny_cfg, shape=(64, 64))
    data = synthetic_batch(1, (64, 64), 21)
    InferStep(model, data, 'cpu')()
    assert not model.training


def test_smp_segmentor_loss_is_mmseg_cross_entropy():
    pytest.importorskip('segmentation_models_pytorch')
    cfg = Config.fromfile(osp.join(REPO, 'configs/benchmark/smp-unet-r50_8cls-256x256.py'))
    cfg.merge_from_dict({'model.net_kwargs.encoder_name': 'resnet18'})
    model = build_model(cfg, shape=(64, 64))
    data = model.data_preprocessor(synthetic_batch(2, (64, 64), 8, seed=6), True)
    loss = model.loss(data['inputs'], data['data_samples'])['loss_ce']
    logits = model.net(data['inputs'])
    label = torch.stack([s.gt_sem_seg.data[0] for s in data['data_samples']])
    # mmseg CrossEntropyLoss (avg_non_ignore=False): sum over valid pixels / all pixels.
    expected = F.cross_entropy(logits, label, ignore_index=255, reduction='sum') / label.numel()
    torch.testing.assert_close(loss, expected, rtol=1e-5, atol=1e-6)
    preds = model.predict(data['inputs'], data['data_samples'])
    assert preds[0].pred_sem_seg.data.shape[-2:] == (64, 64)


def test_data_mode_on_synthetic_voc(tool, tmp_path, synthetic_voc_root):
    out = str(tmp_path / 'data.json')
    report = tool.main([
        TINY, '--mode', 'data', '--iters', '2', '--warmup', '1', '--workers', '0',
        '--loop-iters', '1', '--matmul-n', '128', '--out', out, '--cfg-options',
        f'train_dataloader.dataset.data_root={synthetic_voc_root}'
    ])
    row = report['results'][0]
    assert row['images_per_s'] > 0 and row['batch'] == 2 and row['num_workers'] == 0
    assert 0 < row['data_fraction'] < 1
    assert row['step_time'] > 0
    with open(out) as f:
        assert json.load(f)['results'][0]['data_time'] == pytest.approx(row['data_time'])


def test_variant_suffixes(tool):
    assert tool.split_variant('a/b.py@cl+bf16') == ('a/b.py', {'cl', 'bf16'})
    assert tool.split_variant('a/b.py') == ('a/b.py', set())
    with pytest.raises(SystemExit, match='unknown option'):
        tool.split_variant('a.py@channels_last')


def test_nchw_variant_turns_the_channels_last_default_off(tool, plain_cfg):
    cfg = tool.with_memory_format(copy.deepcopy(plain_cfg), 'p.py', {'nchw'})
    assert cfg.model.memory_format == 'contiguous'
    model = build_model(cfg, shape=(64, 64))
    assert _first_conv(model).weight.is_contiguous()
    assert not _first_conv(model).weight.is_contiguous(memory_format=torch.channels_last)
    with pytest.raises(SystemExit, match='NCHW already'):
        tool.with_memory_format(Config.fromfile(TINY), 'mmseg.py', {'nchw'})
    with pytest.raises(SystemExit, match='contradict'):
        tool.with_memory_format(copy.deepcopy(plain_cfg), 'p.py', {'nchw', 'cl'})


def test_fused_adamw_matches_the_loop_step(tool, plain_cfg):
    # seglab's schedules build the fused AdamW kernel (FusedOptimWrapperConstructor);
    # CONFIG@loop-optim is the per-parameter loop it replaces: the update must be the same.
    from seglab.engine.fused_optim_wrapper_constructor import fused_kernel_available
    cpu_fused = fused_kernel_available(torch.optim.AdamW, torch.device('cpu'))
    cfg = plain_cfg.copy()
    cfg.merge_from_dict({'model.decode_head.dropout_ratio': 0.0,
                         'optim_wrapper.optimizer': dict(type='AdamW', lr=1e-2,
                                                         weight_decay=1e-2)})
    from mmengine.optim import build_optim_wrapper
    torch.manual_seed(0)
    ref = build_model(cfg, shape=(64, 64))
    fused = build_model(cfg, shape=(64, 64))
    fused.load_state_dict(ref.state_dict())
    data = synthetic_batch(2, (64, 64), 21, seed=7)
    for model, options in ((ref, {'loop-optim'}), (fused, set())):
        wrapper = build_optim_wrapper(model, tool.optim_cfg(cfg, options))
        assert bool(wrapper.optimizer.defaults.get('fused')) is (cpu_fused and not options)
        for _ in range(2):
            TrainStep(model, wrapper, data, 'cpu')()
    for (name, p_ref), p_fused in zip(ref.named_parameters(), fused.parameters()):
        torch.testing.assert_close(p_fused, p_ref, rtol=1e-4, atol=1e-5, msg=name)
    torch.manual_seed(0)
    assert not torch.equal(_first_conv(ref).weight, _first_conv(build_model(cfg)).weight)


def test_json_is_what_compare_runs_reads(tool, tmp_path):
    run_results = pytest.importorskip('seglab.evaluation.run_results')
    tool.main([TINY, '--mode', 'infer', '--shape', '64', '64', '--batch', '1', '--iters', '1',
               '--warmup', '0', '--matmul-n', '128', '--out', str(tmp_path / 'benchmark.json')])
    bench = run_results.read_benchmark(str(tmp_path))
    assert set(bench) == {'params', 'flops', 'images_per_s'}
    assert all(v > 0 for v in bench.values())
