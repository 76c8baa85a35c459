"""The device the numbers depend on: its measured matmul peak, sync, threads, description.

The "measured peak" is the denominator of "% of peak": what this process gets from the BLAS
right now, with the same threads, rather than a datasheet number.
"""
import contextlib
import os
import platform
import subprocess
import time
from typing import Callable, Optional

import torch
import torch.nn.functional as F


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
