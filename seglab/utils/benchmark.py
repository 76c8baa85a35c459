"""Library behind ``tools/analysis_tools/benchmark.py``: side-by-side speed and memory.

The tool builds each model from its config, feeds it synthetic batches through the model's own
``data_preprocessor`` and times whole training steps (data preprocessing, forward, loss,
backward, the config's optimizer) or inference, **interleaving the configs** (A B A B ...) in
one process so that load from other processes on a shared machine hits every config alike; it
reports medians. Also here: the device's measured matmul peak (the denominator of "fraction of
peak"), FLOP counting, peak memory, the data-pipeline measurement, inference-time conv+BN
fusion, channels-last, and :class:`SMPSegmentor`, an adapter that lets
``segmentation_models_pytorch`` models run as mmseg segmentors (a benchmark peer only).

FLOP convention: mmengine's ``get_model_complexity_info`` (fvcore's counter) counts one
multiply-add as one "flop". We keep its number under ``flops`` (what mmseg/mmengine users
compare) and use ``2 * flops`` for FLOP/s so that it is comparable with the matmul peak
(``2 n^3`` FLOPs per ``n x n`` matmul). A training step is taken as 3x the forward FLOPs
(forward + input gradients + weight gradients), the usual convention.
"""
import contextlib
import copy
import ctypes
import gc
import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import Tensor

# ----------------------------------------------------------------------------------------------
# Interleaved timing
# ----------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One thing to time: ``step()`` does one iteration of ``images`` images."""
    name: str
    step: Callable[[], None]
    images: int
    sync: Callable[[], None] = lambda: None
    times: List[float] = field(default_factory=list)


def interleave(cases: Sequence[Case],
               iters: int,
               warmup: int = 1,
               order: Optional[List[str]] = None,
               between: Optional[Callable[[int], None]] = None) -> Dict[str, List[float]]:
    """Run ``warmup`` untimed then ``iters`` timed rounds of A B C A B C ...

    Every round runs each case once, in the given order, so that a slow spell of the machine
    falls on all cases alike. ``order`` (if given) receives the case names in the order they
    ran (tests check the interleaving); ``between(round)`` runs before each timed round
    (untimed; e.g. a matmul-peak sample).

    Returns:
        dict: case name -> list of ``iters`` seconds per iteration.
    """
    if iters < 1:
        raise ValueError(f'interleave: iters must be >= 1, got {iters}')
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise ValueError(f'interleave: case names must be unique, got {names}')
    for _ in range(max(0, warmup)):
        for case in cases:
            case.step()
            case.sync()
            if order is not None:
                order.append(case.name)
    for r in range(iters):
        if between is not None:
            between(r)
        for case in cases:
            case.sync()
            t0 = time.perf_counter()
            case.step()
            case.sync()
            case.times.append(time.perf_counter() - t0)
            if order is not None:
                order.append(case.name)
    return {c.name: list(c.times) for c in cases}


def summarize_times(times: Sequence[float]) -> dict:
    """Median, min, max and the interquartile spread of per-iteration times."""
    ts = sorted(times)
    q = statistics.quantiles(ts, n=4) if len(ts) >= 2 else [ts[0], ts[0], ts[0]]
    return dict(median=statistics.median(ts), min=ts[0], max=ts[-1], q1=q[0], q3=q[2])


# ----------------------------------------------------------------------------------------------
# Device: matmul peak, sync, memory, machine description
# ----------------------------------------------------------------------------------------------


def device_sync(device: str) -> Callable[[], None]:
    if str(device).startswith('cuda'):
        return torch.cuda.synchronize
    return lambda: None


def matmul_gflops(n: int = 2048,
                  device: str = 'cpu',
                  dtype: torch.dtype = torch.float32,
                  repeats: int = 3) -> float:
    """Best-of-``repeats`` GFLOP/s of one ``n x n @ n x n`` matmul (``2 n^3`` FLOPs).

    The "measured peak" that achieved FLOP/s are divided by: what this process can get from the
    BLAS right now, with the same threads, rather than a datasheet number.
    """
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    sync = device_sync(device)
    torch.matmul(a, b)  # warm the BLAS (thread pool, packing buffers)
    sync()
    best = float('inf')
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        torch.matmul(a, b)
        sync()
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n**3 / best / 1e9


def onednn_gemm_gflops(n: int = 2048, dtype: torch.dtype = torch.float32,
                       repeats: int = 3) -> float:
    """GFLOP/s of an ``n x n x n`` GEMM run by oneDNN (CPU), as a 1x1 NHWC convolution.

    ``torch.matmul`` goes to MKL, whose dispatcher may pick narrower (AVX2) kernels on
    non-Intel CPUs, while convolutions go to oneDNN, which uses the widest ISA it finds; the
    peak that convolutions are judged against is the better of the two.
    """
    x = torch.randn(1, n, n // 32, 32).to(dtype).contiguous(memory_format=torch.channels_last)
    w = torch.randn(n, n, 1, 1).to(dtype).contiguous(memory_format=torch.channels_last)
    F.conv2d(x, w)
    best = float('inf')
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        F.conv2d(x, w)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n**3 / best / 1e9


def measure_peak(n: int = 2048, device: str = 'cpu', dtype: torch.dtype = torch.float32,
                 repeats: int = 2) -> dict:
    """The measured matmul peak: MKL/cuBLAS matmul and (CPU) oneDNN GEMM; ``peak`` = max."""
    out = dict(matmul=matmul_gflops(n, device, dtype, repeats))
    if not str(device).startswith('cuda') and torch.backends.mkldnn.is_available():
        out['onednn'] = onednn_gemm_gflops(n, dtype, repeats)
    out['peak'] = max(out.values())
    return out


def _libc():
    try:
        return ctypes.CDLL('libc.so.6')
    except OSError:
        return None


def _proc_status_kib(key: str) -> Optional[int]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakMemory:
    """Peak memory that one call adds, in MiB.

    CUDA: ``torch.cuda.max_memory_allocated`` growth. CPU: growth of the resident set's
    high-water mark (``VmHWM``) over the RSS before the call, after returning freed heap
    pages to the OS (``malloc_trim``) and resetting the mark (``/proc/self/clear_refs`` 5,
    Linux). Where the mark cannot be reset, ``None``: a process-lifetime peak would mix configs.
    """

    def __init__(self, device: str) -> None:
        self.device = str(device)

    def measure(self, fn: Callable[[], None]) -> Optional[float]:
        gc.collect()
        if self.device.startswith('cuda'):
            torch.cuda.synchronize()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
            fn()
            torch.cuda.synchronize()
            return (torch.cuda.max_memory_allocated() - base) / 2**20
        libc = _libc()
        if libc is not None:
            libc.malloc_trim(0)
        base = _proc_status_kib('VmRSS')
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')
        except OSError:
            return None
        if base is None:
            return None
        fn()
        peak = _proc_status_kib('VmHWM')
        return None if peak is None else max(0, peak - base) / 1024


def machine_info(device: str = 'cpu') -> dict:
    """What the numbers depend on: CPU model, cores, threads, torch/mmseg versions."""
    import mmengine
    import mmseg
    info = dict(
        platform=platform.platform(),
        python=platform.python_version(),
        torch=torch.__version__,
        mmseg=mmseg.__version__,
        mmengine=mmengine.__version__,
        cpu_model=platform.processor() or 'unknown',
        logical_cpus=os.cpu_count(),
        torch_threads=torch.get_num_threads(),
        torch_interop_threads=torch.get_num_interop_threads(),
        mkldnn=torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled,
        cpu_capability=getattr(torch.backends.cpu, 'get_cpu_capability', lambda: 'unknown')(),
    )
    try:
        out = subprocess.run(['lscpu'], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            key, _, value = line.partition(':')
            if key.strip() == 'Model name':
                info['cpu_model'] = value.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    if str(device).startswith('cuda') and torch.cuda.is_available():
        info['gpu'] = torch.cuda.get_device_name()
    return info


# ----------------------------------------------------------------------------------------------
# Configs and models
# ----------------------------------------------------------------------------------------------


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


def synthetic_batch(batch_size: int,
                    shape: Tuple[int, int],
                    num_classes: int,
                    seed: int = 0,
                    ignore_border: int = 4) -> dict:
    """A batch as a dataloader yields it: uint8-range images and ``gt_sem_seg`` labels
    (a few rows of ignore index 255, as padding and VOC borders give)."""
    h, w = shape
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8))
        label = torch.randint(0, num_classes, (1, h, w), generator=g)
        label[:, :ignore_border] = 255
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _first_module(model: nn.Module) -> nn.Module:
    for name in ('backbone', 'net'):
        if isinstance(getattr(model, name, None), nn.Module):
            return getattr(model, name)
    raise AttributeError(f'{type(model).__name__}: no `backbone` or `net` to feed')


def apply_channels_last(model: nn.Module) -> nn.Module:
    """Weights and the backbone's input in channels-last (NHWC) layout.

    oneDNN (CPU) and cuDNN run NHWC convolutions without the NCHW<->blocked reorders; every
    conv then keeps the layout of its input. Outputs are numerically the same computation.
    """
    model.to(memory_format=torch.channels_last)

    def to_nhwc(_module, args):
        return tuple(a.contiguous(memory_format=torch.channels_last)
                     if isinstance(a, Tensor) and a.dim() == 4 else a for a in args)

    _first_module(model).register_forward_pre_hook(to_nhwc)
    return model


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


AMP_DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}


def amp_optim_wrapper_cfg(optim_wrapper: dict, amp: Optional[str]) -> dict:
    """The ``optim_wrapper`` config of the same run in mixed precision ``amp`` (``'bf16'``,
    ``'fp16'``; None: unchanged): seglab's ``CPUAwareAmpOptimWrapper`` (bf16 on CPU without a
    loss scaler, mmengine's AMP wrapper on CUDA), what ``tools/train.py --amp`` builds."""
    wrapper = copy.deepcopy(optim_wrapper)
    if amp is None:
        return wrapper
    if amp not in AMP_DTYPES:
        raise ValueError(f'amp must be one of {sorted(AMP_DTYPES)} or None, got {amp!r}')
    if wrapper.get('type', 'OptimWrapper') not in ('OptimWrapper', 'AmpOptimWrapper',
                                                   'CPUAwareAmpOptimWrapper'):
        raise ValueError(f'amp={amp}: optim_wrapper.type {wrapper.get("type")!r} is neither '
                         'OptimWrapper nor an AMP wrapper')
    wrapper['type'] = 'CPUAwareAmpOptimWrapper'
    wrapper['dtype'] = str(AMP_DTYPES[amp]).replace('torch.', '')
    return wrapper


class TrainStep:
    """One training iteration exactly as the runner does it: ``model.train_step``.

    ``optim_wrapper.optim_context`` (autocast for an AMP wrapper) around
    ``model.data_preprocessor`` and the ``loss`` forward, then ``parse_losses`` and
    ``optim_wrapper.update_params`` (backward, with the loss scaler if any, optimizer step,
    zero_grad). Mixed precision is therefore the AMP optim wrapper's
    (:func:`amp_optim_wrapper_cfg`), not an autocast added around the forward; ``amp``
    only checks that the wrapper is the one asked for.
    """

    def __init__(self, model: nn.Module, optim_wrapper: OptimWrapper, data: dict, device: str,
                 amp: Optional[str] = None) -> None:
        from mmengine.optim import AmpOptimWrapper
        wrapper_dtype = getattr(optim_wrapper, 'cast_dtype', None) if isinstance(
            optim_wrapper, AmpOptimWrapper) else None
        if amp is not None and wrapper_dtype != AMP_DTYPES[amp]:
            raise ValueError(f'TrainStep(amp={amp!r}) needs an AMP optim wrapper in that '
                             f'dtype, got {type(optim_wrapper).__name__} ({wrapper_dtype}); '
                             f'build it from amp_optim_wrapper_cfg(cfg.optim_wrapper, {amp!r})')
        self.model = model
        self.optim_wrapper = optim_wrapper
        self.data = data
        self.last_loss: Optional[float] = None

    def __call__(self) -> None:
        self.model.train()
        log_vars = self.model.train_step(self.data, self.optim_wrapper)
        loss = log_vars['loss']
        self.last_loss = float(loss.detach() if isinstance(loss, Tensor) else loss)


class InferStep:
    """One inference batch as ``test_step`` does it (preprocess, whole inference, argmax)."""

    def __init__(self, model: nn.Module, data: dict, device: str,
                 amp: Optional[str] = None) -> None:
        self.model = model
        self.data = data
        self.device_type = 'cuda' if str(device).startswith('cuda') else 'cpu'
        self.amp_dtype = AMP_DTYPES[amp] if amp is not None else None

    def __call__(self) -> None:
        self.model.eval()
        with torch.no_grad(), torch.autocast(self.device_type,
                                             dtype=self.amp_dtype or torch.float32,
                                             enabled=self.amp_dtype is not None):
            self.model.test_step(self.data)


class _AllHeadsForward(nn.Module):
    """Tensor-in, tensors-out view of a segmentor for FLOP counting.

    ``mode='tensor'`` of ``EncoderDecoder`` skips the auxiliary heads, which a training step
    does run; this view runs the backbone, neck, decode head and (``train=True``) the auxiliary
    heads. ``SMPSegmentor`` is counted as its network.
    """

    def __init__(self, model: nn.Module, train: bool) -> None:
        super().__init__()
        self.model = model
        self.train_graph = train

    def forward(self, x: Tensor):
        model = self.model
        if isinstance(model, SMPSegmentor):
            return model.net(x)
        feats = model.extract_feat(x)
        outs = [model.decode_head.forward(feats)]
        aux = getattr(model, 'auxiliary_head', None) if self.train_graph else None
        if aux is not None:
            for head in aux if isinstance(aux, nn.ModuleList) else [aux]:
                outs.append(head.forward(feats))
        return tuple(outs)


def preprocessed_shape(model: nn.Module, shape: Tuple[int, int], train: bool = True
                       ) -> Tuple[int, int]:
    """The spatial size the model's ``data_preprocessor`` turns a ``shape`` image into (its
    padding to ``size`` or to a multiple of ``size_divisor``); ``shape`` without one."""
    preprocessor = getattr(model, 'data_preprocessor', None)
    if not isinstance(preprocessor, nn.Module):
        return tuple(shape)
    batch = synthetic_batch(1, tuple(shape), model_num_classes(model))
    with torch.no_grad():
        inputs = preprocessor(batch, train)['inputs']
    return tuple(int(v) for v in inputs.shape[-2:])


def count_flops(model: nn.Module, shape: Tuple[int, int], train: bool = True) -> dict:
    """Forward FLOPs (mmengine's multiply-add count) for one image, and parameters.

    Counted at the size the model really runs at: ``shape`` after the model's
    ``data_preprocessor`` (padding to ``size_divisor`` included), so that a config padding
    180x240 to 192x240 is counted at 192x240 (and mmseg's UNet, which asserts a multiple of 16,
    can be counted at all)."""
    from mmengine.analysis import get_model_complexity_info
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('ERROR')  # "Unsupported operator aten::batch_norm" etc.: elementwise, small
    was_training = model.training
    try:
        model.eval()
        device = next(model.parameters()).device
        x = torch.zeros(1, 3, *preprocessed_shape(model, shape, train), device=device)
        with torch.no_grad():
            info = get_model_complexity_info(
                _AllHeadsForward(model, train), inputs=(x, ), show_table=False, show_arch=False)
    finally:
        model.train(was_training)
        logger.setLevel(level)
    params = sum(p.numel() for p in model.parameters())
    return dict(flops=int(info['flops']), params=int(params))


# ----------------------------------------------------------------------------------------------
# Data pipeline
# ----------------------------------------------------------------------------------------------


def build_train_loader(cfg: Config, num_workers: Optional[int] = None, batch_size=None):
    """The config's ``train_dataloader`` (optionally with other workers / batch size)."""
    from mmengine.runner import Runner
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    if num_workers is not None:
        loader_cfg['num_workers'] = num_workers
        if num_workers == 0:
            loader_cfg['persistent_workers'] = False
    if batch_size is not None:
        loader_cfg['batch_size'] = batch_size
    return Runner.build_dataloader(loader_cfg, seed=0)


def measure_loader(loader, iters: int, warmup: int = 1) -> dict:
    """Images/s of the dataloader alone (decoding + augmentation + collation)."""
    it = iter(loader)
    images = 0
    for _ in range(warmup):
        next(it)
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        try:
            batch = next(it)
        except StopIteration:
            it = iter(loader)
            batch = next(it)
        times.append(time.perf_counter() - t0)
        images += len(batch['inputs'])
    return dict(s_per_batch=statistics.median(times), images_per_s=images / sum(times),
                times=times)


def measure_loop(loader, step_factory: Callable[[dict], Callable[[], None]], iters: int,
                 warmup: int = 1) -> dict:
    """``data_time`` as mmengine's ``IterTimerHook`` logs it, next to the step time.

    Runs the training loop (``next(loader)`` then a training step) and measures, per
    iteration, the wait for the batch (``data_time``) and the step; the dataloader workers
    prefetch while the step runs, as in a real run.
    """
    it = iter(loader)

    def next_batch():
        nonlocal it
        try:
            return next(it)
        except StopIteration:
            it = iter(loader)
            return next(it)

    data_times, step_times = [], []
    for i in range(warmup + iters):
        t0 = time.perf_counter()
        batch = next_batch()
        t1 = time.perf_counter()
        step_factory(batch)()
        t2 = time.perf_counter()
        if i >= warmup:
            data_times.append(t1 - t0)
            step_times.append(t2 - t1)
    data_time = statistics.median(data_times)
    step_time = statistics.median(step_times)
    return dict(data_time=data_time, step_time=step_time,
                data_fraction=data_time / (data_time + step_time),
                mean_data_fraction=sum(data_times) / (sum(data_times) + sum(step_times)),
                data_times=data_times, step_times=step_times)


# ----------------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------------


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return '-'
    if isinstance(value, float):
        return f'{value:.{digits}f}'
    return str(value)


def render_markdown(report: dict) -> str:
    """The report as Markdown: settings, the table, ratios, machine."""
    s = report['settings']
    lines = [
        f"## Benchmark: {s['mode']}, batch {s['batch']}, {s['shape'][0]}x{s['shape'][1]}, "
        f"{s['device']}" + (f", amp {s['amp']}" if s.get('amp') else '') +
        (', channels-last' if s.get('channels_last') else '') +
        (', compiled' if s.get('compile') else '') +
        (', conv+BN fused' if s.get('fuse_conv_bn') else ''),
        '',
        f"{s['iters']} timed iterations per config after {s['warmup']} warm-up, configs "
        f"interleaved (A B A B ...) in one process; medians. "
        f"Measured matmul peak ({s['matmul_n']}^3; best of MKL/cuBLAS matmul and oneDNN GEMM, "
        f"median of samples taken between rounds): fp32 "
        f"{_fmt(report['matmul_peak_gflops'], 1)} GFLOP/s"
        + ''.join(f"; {p} {_fmt(report[p + '_matmul_peak_gflops'], 1)} GFLOP/s"
                  for p in ('bf16', 'fp16') if report.get(p + '_matmul_peak_gflops'))
        + ". % of peak: against the peak of the row's precision. FLOPs: mmengine's count "
        "(1 multiply-add = 1); FLOP/s use 2x that"
        + ('; training = 3x forward.' if s['mode'] == 'train' else '.'),
        '',
    ]
    if s['mode'] in ('train', 'infer'):
        lines += [
            '| model | precision | params (M) | fwd GFLOPs/img | s/iter (median) | IQR (s) | '
            'images/s | achieved GFLOP/s | % of matmul peak | peak mem Δ (MiB) |',
            '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
        ]
        for r in report['results']:
            lines.append(
                f"| {r['name']} | {r.get('precision', 'fp32')} | {_fmt(r['params'] / 1e6)} | "
                f"{_fmt(r['flops'] / 1e9)} | "
                f"{_fmt(r['s_per_iter'], 3)} | {_fmt(r['q1'], 3)}-{_fmt(r['q3'], 3)} | "
                f"{_fmt(r['images_per_s'])} | {_fmt(r['achieved_gflops'], 1)} | "
                f"{_fmt(100 * r['peak_fraction'], 1)} | {_fmt(r['peak_mem_mib'], 0)} |")
        if report.get('ratios'):
            lines += ['', '| ratio (images/s) | of medians | median of per-round ratios |',
                      '|---|---:|---:|']
            for ratio in report['ratios']:
                lines.append(f"| {ratio['a']} / {ratio['b']} | {ratio['value']:.3f} | "
                             f"{_fmt(ratio.get('paired_median'), 3)} |")
    else:
        lines += [
            '| config | workers | batch | loader images/s | loader s/batch | step s/iter | '
            'data_time (s) | data_time / (data + step) |',
            '|---|---:|---:|---:|---:|---:|---:|---:|',
        ]
        for r in report['results']:
            lines.append(
                f"| {r['name']} | {r['num_workers']} | {r['batch']} | "
                f"{_fmt(r['images_per_s'])} | {_fmt(r['s_per_batch'], 3)} | "
                f"{_fmt(r.get('step_time'), 3)} | {_fmt(r.get('data_time'), 4)} | "
                f"{_fmt(None if r.get('data_fraction') is None else 100 * r['data_fraction'], 1)}"
                f"{'' if r.get('data_fraction') is None else ' %'} |")
    m = report['machine']
    lines += [
        '',
        f"Machine: {m['cpu_model']}, {m['logical_cpus']} logical CPUs, torch {m['torch']} "
        f"({m['torch_threads']} threads, {m['cpu_capability']}), mmseg {m['mmseg']}"
        + (f", GPU {m['gpu']}" if m.get('gpu') else '') + '.',
        '',
    ]
    return '\n'.join(lines)


# ----------------------------------------------------------------------------------------------
# segmentation_models_pytorch as a peer
# ----------------------------------------------------------------------------------------------


@MODELS.register_module()
class SMPSegmentor(BaseSegmentor):
    """A ``segmentation_models_pytorch`` network run as an mmseg segmentor (benchmark peer).

    Lets the benchmark time e.g. ``smp.Unet('resnet50', encoder_weights=None)`` through the
    same ``data_preprocessor`` -> loss -> optimizer step as mmseg models. Not for studies.

    Args:
        arch (str): smp architecture, e.g. ``'Unet'``.
        num_classes (int): output classes (smp's ``classes``).
        net_kwargs (dict): further smp arguments, e.g.
            ``dict(encoder_name='resnet50', encoder_weights=None)``.
        loss_decode (dict): mmseg loss config. Default: ``CrossEntropyLoss``.
        ignore_index (int): label ignored by the loss. Default: 255.
        data_preprocessor (dict): mmseg ``SegDataPreProcessor`` config.
    """

    def __init__(self,
                 arch: str = 'Unet',
                 num_classes: int = 8,
                 net_kwargs: Optional[dict] = None,
                 loss_decode: Optional[dict] = None,
                 ignore_index: int = 255,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        try:
            import segmentation_models_pytorch as smp
        except ImportError as exc:
            raise ImportError('SMPSegmentor needs segmentation-models-pytorch: '
                              'pip install -r requirements/benchmark.txt') from exc
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.align_corners = False
        self.out_channels = num_classes
        self.net = getattr(smp, arch)(classes=num_classes, **(net_kwargs or {}))
        self.loss_decode = MODELS.build(loss_decode or dict(type='CrossEntropyLoss'))

    def extract_feat(self, inputs: Tensor) -> Tensor:
        return self.net.encoder(inputs)

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        return self.net(inputs)

    def loss(self, inputs: Tensor, data_samples) -> dict:
        logits = self.net(inputs)
        label = torch.stack([s.gt_sem_seg.data for s in data_samples]).squeeze(1)
        if logits.shape[-2:] != label.shape[-2:]:
            logits = F.interpolate(logits, label.shape[-2:], mode='bilinear',
                                   align_corners=False)
        return dict(loss_ce=self.loss_decode(logits, label, ignore_index=self.ignore_index))

    def predict(self, inputs: Tensor, data_samples=None):
        if data_samples is None:
            data_samples = [
                SegDataSample(metainfo=dict(img_shape=inputs.shape[2:], ori_shape=inputs.shape[2:],
                                            pad_shape=inputs.shape[2:], padding_size=[0] * 4))
                for _ in range(inputs.shape[0])
            ]
        logits = self.net(inputs)
        return self.postprocess_result(logits, data_samples)

    def _forward(self, inputs: Tensor, data_samples=None) -> Tensor:
        return self.net(inputs)


@contextlib.contextmanager
def torch_threads(num_threads: Optional[int]):
    """Temporarily set ``torch.set_num_threads`` (``None``: unchanged)."""
    old = torch.get_num_threads()
    if num_threads:
        torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(old)
