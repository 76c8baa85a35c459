"""Side-by-side speed and memory of segmentation models, configs interleaved in one process.

Builds every CONFIG's model (no dataset: synthetic batches through the model's own
``data_preprocessor``), then times a full training step (preprocess, forward, loss, backward,
the config's optimizer) or inference, A B A B ..., and reports medians: s/iter, images/s,
parameters, forward FLOPs, achieved GFLOP/s, the fraction of the matmul peak the tool measures
itself, and peak memory. ``--mode data`` times the config's train dataloader alone and the
runner-like loop (``data_time`` vs the step). Writes Markdown (stdout and ``--out X.md``) and JSON
(``--out X.json``, or both from ``--out X``). Examples::

    python tools/analysis_tools/benchmark.py \\
        configs/benchmark/unet-s5-d16_fcn_mmseg_8cls-256x256.py \\
        configs/benchmark/unet_plain-w64_8cls-256x256.py --mode train --batch 4 --iters 5
    python tools/analysis_tools/benchmark.py \\
        configs/000_voc8-unet/unet_plain-w64_1xb4-30e_voc8-256x256.py --mode data \\
        --cfg-options train_dataloader.dataset.data_root=../shared/data/VOCdevkit/VOC2012

See docs/benchmarks.md.
"""
import argparse
import copy
import json
import os
import os.path as osp
import statistics
import sys
from typing import List

import torch

# Running the tool from a source checkout must measure this checkout's seglab.
sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import seglab  # noqa: E402,F401  (before mmseg.models: compat layer, registries)
from mmengine.config import Config, DictAction
from mmengine.optim import build_optim_wrapper

from seglab.benchmark import (Case, InferStep, PeakMemory, TrainStep, amp_optim_wrapper_cfg,
                              build_model, build_train_loader, count_flops, device_sync,
                              fuse_conv_bn_for_inference, interleave, machine_info,
                              measure_loader, measure_peak, measure_loop, model_num_classes,
                              render_markdown, set_memory_format, summarize_times,
                              synthetic_batch)


class HelpFormatter(argparse.RawDescriptionHelpFormatter,
                    argparse.ArgumentDefaultsHelpFormatter):
    """The docstring as written, and every option's default in ``--help``."""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be >= 1, got {value}')
    return value


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=HelpFormatter)
    parser.add_argument('configs', nargs='+', metavar='CONFIG',
                        help='config files; CONFIG@opt+opt adds per-config options (cl: '
                        'channels-last via the segmentor\'s memory_format, nchw: a '
                        'channels-last seglab model in NCHW, '
                        'amp: mixed precision as tools/train.py --amp (bf16 on CPU, fp16 on '
                        'CUDA), bf16/fp16: the same in that dtype, compile, fuse: conv+BN '
                        'folding for infer, fused-optim / loop-optim: the optimizer\'s fused '
                        'kernel / per-parameter loop), e.g. '
                        'a.py a.py@cl to measure channels-last interleaved with plain a.py')
    parser.add_argument('--mode', choices=['train', 'infer', 'data'], default='train',
                        help='time training steps, inference, or the data pipeline')
    parser.add_argument('--shape', type=int, nargs=2, default=[256, 256], metavar=('H', 'W'),
                        help='image size of the synthetic batches (the data preprocessor '
                        'pads to it, or to --size-divisor)')
    parser.add_argument('--size-divisor', type=int, default=None, metavar='N',
                        help='pad batches to a multiple of N instead of to --shape (e.g. 16 '
                        'for mmseg\'s UNet at --shape 180 240)')
    parser.add_argument('--batch', type=int, default=4, help='images per step')
    parser.add_argument('--iters', type=int, default=5, help='timed iterations per config')
    parser.add_argument('--warmup', type=int, default=1, help='untimed rounds first')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='cpu, cuda or cuda:N')
    parser.add_argument('--amp', choices=['fp16', 'bf16'], default=None,
                        help='mixed precision for every config: training steps run with the '
                        'AMP optim wrapper (tools/train.py --amp; CPU: bf16), inference under '
                        'autocast; %% of peak is then against the measured peak in that dtype')
    parser.add_argument('--channels-last', action='store_true',
                        help='every model and batch in NHWC (as @cl)')
    parser.add_argument('--fuse-conv-bn', action='store_true',
                        help='fold BN into the preceding conv (inference mode only)')
    parser.add_argument('--compile', action='store_true', help='torch.compile the model')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch.set_num_threads (default: torch\'s)')
    parser.add_argument('--num-classes', type=int, default=None,
                        help='set num_classes in every head (default: the config\'s)')
    parser.add_argument('--names', nargs='+', default=None,
                        help='row names (default: config file stems)')
    parser.add_argument('--ratio', action='append', default=[], metavar='A/B',
                        help='report images/s of row A over row B (names or 0-based indices); '
                        'default: every row over the first')
    parser.add_argument('--matmul-n', type=_positive_int, default=2048,
                        help='size of the square GEMM that measures the peak')
    parser.add_argument('--workers', type=int, default=None,
                        help='--mode data: dataloader workers (default: the config\'s)')
    parser.add_argument('--loop-iters', type=int, default=None,
                        help='--mode data: iterations of the loader+train-step loop '
                        '(default --iters; 0 skips it)')
    parser.add_argument('--profile', default=None, metavar='DIR',
                        help='also write a torch.profiler op table of one step per config')
    parser.add_argument('--out', default=None,
                        help='X.json / X.md, or a stem X (writes X.json and X.md)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides applied to every config, key=value')
    args = parser.parse_args(argv)
    if args.names is not None and len(args.names) != len(args.configs):
        parser.error(f'--names: {len(args.names)} names for {len(args.configs)} configs')
    if args.fuse_conv_bn and args.mode != 'infer':
        parser.error('--fuse-conv-bn folds BN statistics: only valid with --mode infer')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA device here')
    return args


VARIANTS = ('cl', 'nchw', 'amp', 'bf16', 'fp16', 'fp32', 'compile', 'fuse', 'fused-optim',
            'loop-optim')
AMP_WRAPPERS = ('CPUAwareAmpOptimWrapper', 'AmpOptimWrapper')


def split_variant(spec: str):
    """``path.py@cl+bf16`` -> (``path.py``, {'cl', 'bf16'}): per-config options, so that an
    optimisation is measured interleaved against the same config without it."""
    path, _, suffix = spec.partition('@')
    options = set(filter(None, suffix.split('+')))
    unknown = options - set(VARIANTS)
    if unknown:
        raise SystemExit(f'benchmark: unknown option(s) {sorted(unknown)} in {spec!r}; '
                         f'known: {"+".join(VARIANTS)}')
    return path, options


def load_cfg(path: str, cfg_options) -> Config:
    if not osp.isfile(path):
        raise FileNotFoundError(f'benchmark: config {path!r} does not exist')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def with_memory_format(cfg: Config, path: str, options, channels_last: bool = False) -> Config:
    """``@cl`` (or ``--channels-last``) and ``@nchw`` set the segmentor's ``memory_format``
    (``set_memory_format``; mmseg's ``EncoderDecoder`` runs channels-last as seglab's
    ``MemoryFormatEncoderDecoder``). ``@nchw`` runs a channels-last default in mmseg's NCHW
    layout, to measure what the default buys."""
    wants_cl = channels_last or 'cl' in options
    if 'nchw' in options and wants_cl:
        raise SystemExit(f'{path}: @nchw and @cl (--channels-last) contradict each other')
    if 'nchw' not in options and not wants_cl:
        return cfg
    suffix = '@cl' if wants_cl else '@nchw'
    try:
        set_memory_format(cfg.model, wants_cl, where=path + suffix)
    except (KeyError, ValueError) as exc:
        raise SystemExit(exc.args[0]) from exc
    return cfg


def prepare(model, args, options=frozenset()):
    if args.fuse_conv_bn or 'fuse' in options:
        model.eval()
        fuse_conv_bn_for_inference(model)
    if args.compile or 'compile' in options:
        # The networks, not the Python-heavy data-sample plumbing around them.
        for name in ('backbone', 'neck', 'decode_head', 'auxiliary_head', 'net'):
            module = getattr(model, name, None)
            if isinstance(module, torch.nn.Module):
                module.compile()
    return model


def optim_cfg(cfg: Config, options) -> dict:
    """The config's ``optim_wrapper``; with ``fused-optim`` its optimizer's single fused
    kernel (Adam/AdamW/SGD, CPU and CUDA) instead of per-parameter loops, with ``loop-optim``
    the per-parameter loop (what seglab's FusedOptimWrapperConstructor replaces); with
    ``fp32`` a plain ``OptimWrapper`` (no autocast) whatever the config trains with."""
    wrapper = copy.deepcopy(cfg.optim_wrapper)
    if 'fp32' in options:  # the same run without the config's own mixed precision
        wrapper['type'] = 'OptimWrapper'
        for key in ('dtype', 'loss_scale'):
            wrapper.pop(key, None)
    if 'fused-optim' in options and 'loop-optim' in options:
        raise SystemExit('@fused-optim and @loop-optim contradict each other')
    if 'fused-optim' in options:
        wrapper['optimizer']['fused'] = True
    if 'loop-optim' in options:
        wrapper['optimizer']['fused'] = False
        wrapper['optimizer']['foreach'] = False
    return wrapper


def resolve(token: str, names: List[str]) -> int:
    if token in names:
        return names.index(token)
    try:
        return int(token)
    except ValueError:
        raise SystemExit(f'--ratio: {token!r} is neither a row name ({names}) nor an index')


def profile_step(step, path: str, rows: int = 25) -> None:
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU]
    if torch.cuda.is_available():
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities, record_shapes=False) as prof:
        step()
    table = prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=rows)
    with open(path, 'w') as f:
        f.write(table)


def amp_of(args, options, cfg=None):
    """The row's mixed precision: ``'bf16'``, ``'fp16'`` or None (fp32). A config that trains
    with an AMP optim wrapper itself runs in its dtype unless ``@fp32`` asks for fp32."""
    chosen = [dtype for dtype in ('bf16', 'fp16', 'fp32') if dtype in options]
    if 'amp' in options:
        chosen.append('amp')
    if len(chosen) > 1:
        raise SystemExit(f'@{" and @".join(chosen)} contradict each other')
    if chosen == ['fp32']:
        return None
    if chosen == ['amp']:  # tools/train.py --amp's dtype on this device
        return 'fp16' if str(args.device).startswith('cuda') else 'bf16'
    if chosen:
        return chosen[0]
    if args.amp:
        return args.amp
    wrapper = cfg.get('optim_wrapper', {}) if cfg is not None else {}
    if wrapper.get('type') in AMP_WRAPPERS:
        dtype = wrapper.get('dtype')
        if dtype is not None:
            return {'bfloat16': 'bf16', 'float16': 'fp16'}[str(dtype).replace('torch.', '')]
        return 'fp16' if str(args.device).startswith('cuda') else 'bf16'
    return None


PEAK_DTYPES = {None: torch.float32, 'bf16': torch.bfloat16, 'fp16': torch.float16}


def run_models(args, cfgs, names, variants) -> dict:
    device = args.device
    sync = device_sync(device)
    cases, rows = [], []
    for cfg, name, options in zip(cfgs, names, variants):
        if 'fuse' in options and args.mode != 'infer':
            raise SystemExit(f'{name}: @fuse folds BN statistics: only with --mode infer')
        amp = amp_of(args, options, cfg)
        model = build_model(cfg, device, args.num_classes, tuple(args.shape),
                            args.size_divisor)
        num_classes = model_num_classes(model)
        data = synthetic_batch(args.batch, tuple(args.shape), num_classes, seed=0)
        complexity = count_flops(model, tuple(args.shape), train=args.mode == 'train')
        model = prepare(model, args, options)
        if args.mode == 'train':
            optim_wrapper = build_optim_wrapper(
                model, amp_optim_wrapper_cfg(optim_cfg(cfg, options), amp))
            step = TrainStep(model, optim_wrapper, data, device, amp)
        else:
            model.eval()
            step = InferStep(model, data, device, amp)
        cases.append(Case(name=name, step=step, images=args.batch, sync=sync))
        rows.append(dict(name=name, config=cfg.filename, num_classes=num_classes,
                         options=sorted(options), amp=amp, **complexity))
        print(f'built {name}: {complexity["params"] / 1e6:.2f} M params, '
              f'{complexity["flops"] / 1e9:.2f} GFLOPs (multiply-adds) per image forward',
              file=sys.stderr)

    # The fp32 peak always; the bf16/fp16 peak where a row runs in it, sampled alike.
    precisions = [None] + sorted({amp_of(args, v, c) for c, v in zip(cfgs, variants)} - {None})
    peaks = {amp: [] for amp in precisions}

    def sample_peak(_round):
        for amp in precisions:
            peaks[amp].append(measure_peak(args.matmul_n, device, PEAK_DTYPES[amp]))

    times = interleave(cases, args.iters, args.warmup, between=sample_peak)
    sample_peak(-1)
    peak_of = {amp: statistics.median(p['peak'] for p in samples)
               for amp, samples in peaks.items()}
    peak = peak_of[None]
    mem = PeakMemory(device)
    factor = 3 if args.mode == 'train' else 1
    for row, case in zip(rows, cases):
        stats = summarize_times(times[case.name])
        row.update(stats)
        row['s_per_iter'] = stats['median']
        row['images_per_s'] = case.images / stats['median']
        row['achieved_gflops'] = 2 * factor * row['flops'] * row['images_per_s'] / 1e9
        # Against the peak of the row's own precision (a bf16 step vs the bf16 GEMM).
        row['precision'] = row['amp'] or 'fp32'
        row['peak_gflops'] = peak_of[row['amp']]
        row['peak_fraction'] = row['achieved_gflops'] / row['peak_gflops']
        row['fp32_peak_fraction'] = row['achieved_gflops'] / peak
        row['peak_mem_mib'] = mem.measure(case.step)
        row['times'] = times[case.name]
        if isinstance(case.step, TrainStep):
            row['last_loss'] = case.step.last_loss
        if args.profile:
            os.makedirs(args.profile, exist_ok=True)
            profile_step(case.step, osp.join(args.profile, f'{case.name}.txt'))
    ratios = []
    pairs = [r.split('/') for r in args.ratio] or [[n, names[0]] for n in names[1:]]
    for pair in pairs:
        if len(pair) != 2:
            raise SystemExit(f'--ratio wants A/B, got {"/".join(pair)!r}')
        a, b = (resolve(t, names) for t in pair)
        # Also per round (same moment, same machine load), then the median: robust to load
        # that changes between rounds.
        paired = [tb / ta for ta, tb in zip(times[names[a]], times[names[b]])]
        ratios.append(dict(a=names[a], b=names[b],
                           value=rows[a]['images_per_s'] / rows[b]['images_per_s'],
                           paired_median=statistics.median(paired), paired=paired))
    return dict(results=rows, ratios=ratios, matmul_peak_gflops=peak,
                matmul_peak_samples=peaks[None],
                bf16_matmul_peak_gflops=peak_of.get('bf16'),
                bf16_matmul_peak_samples=peaks.get('bf16'),
                fp16_matmul_peak_gflops=peak_of.get('fp16'),
                fp16_matmul_peak_samples=peaks.get('fp16'))


def run_data(args, cfgs, names, variants) -> dict:
    rows = []
    for cfg, name, options in zip(cfgs, names, variants):
        if 'train_dataloader' not in cfg:
            raise SystemExit(f'{cfg.filename}: no train_dataloader for --mode data')
        loader = build_train_loader(cfg, args.workers, None)
        loader_stats = measure_loader(loader, args.iters, args.warmup)
        row = dict(name=name, config=cfg.filename, num_workers=loader.num_workers,
                   batch=loader.batch_size, images_per_s=loader_stats['images_per_s'],
                   s_per_batch=loader_stats['s_per_batch'])
        loop_iters = args.iters if args.loop_iters is None else args.loop_iters
        if loop_iters > 0:
            model = prepare(build_model(cfg, args.device, args.num_classes), args, options)
            optim_wrapper = build_optim_wrapper(
                model, amp_optim_wrapper_cfg(optim_cfg(cfg, options), amp_of(args, options)))
            # A fresh loader: mmengine's InfiniteSampler cannot be iterated twice (closing the
            # first iterator closes its shared index generator).
            del loader
            loader = build_train_loader(cfg, args.workers, None)
            loop = measure_loop(
                loader, lambda batch: TrainStep(model, optim_wrapper, batch, args.device,
                                                amp_of(args, options)), loop_iters,
                args.warmup)
            row.update({k: loop[k] for k in ('data_time', 'step_time', 'data_fraction',
                                              'mean_data_fraction', 'data_times',
                                              'step_times')})
        rows.append(row)
        del loader
    return dict(results=rows, ratios=[],
                matmul_peak_gflops=measure_peak(args.matmul_n, args.device)['peak'])


def write_outputs(report: dict, markdown: str, out: str) -> List[str]:
    if out.endswith('.json'):
        targets = [(out, 'json')]
    elif out.endswith('.md'):
        targets = [(out, 'md')]
    else:
        targets = [(out + '.json', 'json'), (out + '.md', 'md')]
    written = []
    for path, kind in targets:
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        with open(path, 'w') as f:
            if kind == 'json':
                json.dump(report, f, indent=2)
            else:
                f.write(markdown)
        written.append(path)
    return written


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    specs = [split_variant(spec) for spec in args.configs]
    cfgs = [with_memory_format(load_cfg(path, args.cfg_options), path, options,
                               args.channels_last) for path, options in specs]
    variants = [options for _, options in specs]
    names = args.names or [
        osp.splitext(osp.basename(path))[0] + ('@' + '+'.join(sorted(opts)) if opts else '')
        for path, opts in specs
    ]
    if len(set(names)) != len(names):
        raise SystemExit(f'benchmark: duplicate row names {names}; pass --names')
    torch.manual_seed(0)
    if args.mode == 'data':
        report = run_data(args, cfgs, names, variants)
    else:
        report = run_models(args, cfgs, names, variants)
    report['settings'] = dict(mode=args.mode, shape=list(args.shape),
                              size_divisor=args.size_divisor, batch=args.batch,
                              iters=args.iters, warmup=args.warmup, device=args.device,
                              amp=args.amp, channels_last=args.channels_last,
                              fuse_conv_bn=args.fuse_conv_bn, compile=args.compile,
                              matmul_n=args.matmul_n, argv=sys.argv if argv is None else argv)
    report['machine'] = machine_info(args.device)
    markdown = render_markdown(report)
    print(markdown)
    if args.out:
        for path in write_outputs(report, markdown, args.out):
            print(f'wrote {path}', file=sys.stderr)
    return report


if __name__ == '__main__':
    main()
