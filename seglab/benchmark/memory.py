"""Peak memory that one call adds (CUDA allocator or the CPU process's resident set)."""
import ctypes
import gc
from typing import Callable, Optional

import torch


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
