"""The benchmark tool: interleaving, report files, memory, FLOP convention, and that
every optimisation it offers keeps outputs equal. Never asserts speed."""
import copy
import json
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from seglab.benchmark import (Case, InferStep, PeakMemory, TrainStep, amp_optim_wrapper_cfg,
                              build_model, count_flops, fuse_conv_bn_for_inference, interleave,
                              matmul_gflops, measure_peak, prepare_model_cfg, synthetic_batch)

from helpers import REPO, load_tool

TINY = osp.join(REPO, 'configs/benchmark/tiny_unet-s5-d16_fcn_w8-64x64.py')
TINY_PLAIN = osp.join(REPO, 'configs/benchmark/tiny_unet_plain-w8-64x64.py')


def _load_tool():
    return load_tool('tools/analysis_tools/benchmark.py', 'seglab_benchmark_tool')


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
    from seglab.models.segmentors import SMPSegmentor
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


@pytest.mark.parametrize('which', ['tiny_cfg', 'plain_cfg'])
def test_channels_last_option_keeps_outputs_and_gradients(tool, which, request):
    # @cl sets the segmentor's memory_format; mmseg's EncoderDecoder (tiny_cfg) becomes
    # MemoryFormatEncoderDecoder. seglab models are channels-last by default: start from NCHW
    # so that the reference arm is NCHW and @cl has something to convert.
    cfg = copy.deepcopy(request.getfixturevalue(which))
    cfg.merge_from_dict({'model.decode_head.dropout_ratio': 0.0})
    if cfg.model.get('auxiliary_head') is not None:
        cfg.merge_from_dict({'model.auxiliary_head.dropout_ratio': 0.0})
    if cfg.model.type != 'EncoderDecoder':
        cfg.model['memory_format'] = 'contiguous'
    nhwc_cfg = tool.with_memory_format(copy.deepcopy(cfg), 'x.py', {'cl'})
    assert nhwc_cfg.model.type == 'MemoryFormatEncoderDecoder'
    assert nhwc_cfg.model.memory_format == 'channels_last'
    torch.manual_seed(0)
    ref = build_model(cfg, shape=(64, 64))
    data = synthetic_batch(2, (64, 64), 21, seed=2)

    def loss_and_grad(dtype, channels_last):
        model = build_model(nhwc_cfg if channels_last else cfg, shape=(64, 64))
        model.load_state_dict(ref.state_dict())
        model.to(dtype)
        conv = _first_conv(model)
        assert conv.weight.is_contiguous(
            memory_format=torch.channels_last if channels_last else torch.contiguous_format)
        seen = []
        conv.register_forward_pre_hook(lambda _m, args: seen.append(
            args[0].is_contiguous(memory_format=torch.channels_last)))
        model.train()
        inputs = model.data_preprocessor(data, True)
        loss, _ = model.parse_losses(model.loss(inputs['inputs'].to(dtype),
                                                inputs['data_samples']))
        loss.backward()
        assert seen == [channels_last]  # the batch reaches the first conv in that layout
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
    from mmengine.optim import build_optim_wrapper
    torch.manual_seed(0)
    model = build_model(tiny_cfg, shape=(64, 64))
    data = synthetic_batch(2, (64, 64), 21, seed=4)
    sgd0 = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.0))  # weights unchanged
    losses = {}
    for amp in (None, 'bf16'):
        torch.manual_seed(5)
        wrapper = build_optim_wrapper(model, amp_optim_wrapper_cfg(sgd0, amp))
        step = TrainStep(model, wrapper, data, 'cpu', amp)
        step()
        losses[amp] = step.last_loss
    assert losses['bf16'] == pytest.approx(losses[None], rel=2e-2)
    assert losses['bf16'] != losses[None]


def test_amp_train_step_is_the_amp_optim_wrappers(plain_cfg):
    """@amp/--amp time the real step: CPUAwareAmpOptimWrapper's autocast, fp32 weights."""
    from mmengine.optim import build_optim_wrapper
    from seglab.engine import CPUAwareAmpOptimWrapper
    cfg = amp_optim_wrapper_cfg(plain_cfg.optim_wrapper, 'bf16')
    assert cfg['type'] == 'CPUAwareAmpOptimWrapper' and cfg['dtype'] == 'bfloat16'
    assert cfg['constructor'] == plain_cfg.optim_wrapper['constructor']
    assert plain_cfg.optim_wrapper['type'] == 'OptimWrapper'  # the config is not modified
    torch.manual_seed(0)
    model = build_model(plain_cfg, shape=(64, 64))
    wrapper = build_optim_wrapper(model, cfg)
    assert isinstance(wrapper, CPUAwareAmpOptimWrapper)
    seen = []
    conv = _first_conv(model)
    conv.register_forward_hook(lambda _m, _i, out: seen.append(out.dtype))
    before = conv.weight.detach().clone()
    TrainStep(model, wrapper, synthetic_batch(2, (64, 64), 21), 'cpu', 'bf16')()
    assert seen == [torch.bfloat16]
    assert conv.weight.dtype == torch.float32 and not torch.equal(before, conv.weight)
    with pytest.raises(ValueError, match=r"TrainStep\(amp='bf16'\) needs an AMP optim "
                       r"wrapper in that dtype, got OptimWrapper"):
        TrainStep(model, _wrapper(model), {}, 'cpu', 'bf16')
    with pytest.raises(ValueError, match='neither OptimWrapper nor an AMP wrapper'):
        amp_optim_wrapper_cfg(dict(type='OptimWrapperDict'), 'bf16')


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


def test_channels_last_option_sets_the_segmentors_memory_format(tool, plain_cfg):
    # --channels-last is @cl for every config: one mechanism, the segmentor's memory_format.
    cfg = tool.with_memory_format(copy.deepcopy(plain_cfg), 'p.py', set(), channels_last=True)
    assert cfg.model.memory_format == 'channels_last'
    with pytest.raises(SystemExit, match=r'p.py: @nchw and @cl \(--channels-last\) contradict'):
        tool.with_memory_format(copy.deepcopy(plain_cfg), 'p.py', {'nchw'}, channels_last=True)
    # SMPSegmentor takes it too (changing the config does not need smp installed).
    smp_cfg = Config.fromfile(osp.join(REPO, 'configs/benchmark/smp-unet-r50_8cls-256x256.py'))
    assert 'memory_format' not in smp_cfg.model
    assert tool.with_memory_format(smp_cfg, 's.py', {'cl'}).model.memory_format == 'channels_last'
    assert tool.with_memory_format(Config.fromfile(TINY), 'm.py', set()).model.type == \
        'EncoderDecoder'  # untouched without @cl
    cascade = Config(dict(model=dict(type='CascadeEncoderDecoder')))
    with pytest.raises(SystemExit, match=r"c.py@cl: model.type 'CascadeEncoderDecoder' has no "
                       r'memory_format argument'):
        tool.with_memory_format(cascade, 'c.py', {'cl'})
    with pytest.raises(SystemExit, match=r"u.py@cl: model.type 'NoSuchSegmentor' is not "
                       r'registered'):
        tool.with_memory_format(Config(dict(model=dict(type='NoSuchSegmentor'))), 'u.py', {'cl'})


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
    run_results = pytest.importorskip('seglab.analysis.run_results')
    tool.main([TINY, '--mode', 'infer', '--shape', '64', '64', '--batch', '1', '--iters', '1',
               '--warmup', '0', '--matmul-n', '128', '--out', str(tmp_path / 'benchmark.json')])
    bench = run_results.read_benchmark(str(tmp_path))
    assert set(bench) == {'params', 'flops', 'images_per_s'}
    assert all(v > 0 for v in bench.values())


def test_amp_rows_report_the_bf16_peak_and_its_fraction(tool, tmp_path):
    report = tool.main([TINY_PLAIN, TINY_PLAIN + '@amp', '--mode', 'train', '--shape', '64',
                        '64', '--batch', '1', '--iters', '1', '--warmup', '0', '--matmul-n',
                        '128', '--out', str(tmp_path / 'amp')])
    fp32, bf16 = report['results']
    assert (fp32['precision'], bf16['precision']) == ('fp32', 'bf16')
    assert bf16['amp'] == 'bf16' and fp32['amp'] is None
    assert report['bf16_matmul_peak_gflops'] > 0
    assert len(report['bf16_matmul_peak_samples']) == len(report['matmul_peak_samples']) == 2
    assert fp32['peak_gflops'] == report['matmul_peak_gflops']
    assert bf16['peak_gflops'] == report['bf16_matmul_peak_gflops']
    for row in (fp32, bf16):
        assert row['peak_fraction'] == pytest.approx(row['achieved_gflops'] / row['peak_gflops'])
        assert row['fp32_peak_fraction'] == pytest.approx(
            row['achieved_gflops'] / report['matmul_peak_gflops'])
    assert all(torch.isfinite(torch.tensor(r['last_loss'])) for r in report['results'])
    with open(tmp_path / 'amp.md') as f:
        md = f.read()
    assert f"bf16 {report['bf16_matmul_peak_gflops']:.1f} GFLOP/s" in md
    assert '| tiny_unet_plain-w8-64x64@amp | bf16 |' in md
    with pytest.raises(SystemExit, match='contradict'):
        tool.amp_of(tool.parse_args([TINY]), {'bf16', 'fp16'})


def test_bf16_peak_is_measured_in_bf16():
    peak = measure_peak(128, 'cpu', torch.bfloat16, repeats=1)
    assert peak['peak'] > 0 and peak['peak'] == max(peak['matmul'], peak.get('onednn', 0))


def test_flops_are_counted_at_the_padded_size(tool, tiny_cfg, tmp_path):
    # mmseg's UNet asserts inputs divisible by 16: at 60x60 padded to 64x64 (size_divisor) the
    # count must be that of 64x64, not fail on the unpadded 60x60.
    padded = build_model(tiny_cfg, shape=(60, 60), size_divisor=16)
    assert padded.data_preprocessor.size is None and padded.data_preprocessor.size_divisor == 16
    at_64 = count_flops(build_model(tiny_cfg, shape=(64, 64)), (64, 64))['flops']
    assert count_flops(padded, (60, 60))['flops'] == at_64
    report = tool.main([TINY, '--mode', 'train', '--shape', '60', '60', '--size-divisor', '16',
                        '--batch', '1', '--iters', '1', '--warmup', '0', '--matmul-n', '128'])
    assert report['results'][0]['flops'] == at_64
    assert report['settings']['size_divisor'] == 16


def test_help_shows_the_defaults(tool, capsys):
    with pytest.raises(SystemExit):
        tool.parse_args(['--help'])
    text = ' '.join(capsys.readouterr().out.split())
    for expected in ('images per step (default: 4)', 'timed iterations per config (default: 5)',
                     '(default: [256, 256])', '(default: train)', '(default: 2048)',
                     'mixed precision for every config'):
        assert expected in text, expected
