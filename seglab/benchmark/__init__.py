"""Library behind ``tools/analysis_tools/benchmark.py``: side-by-side speed and memory.

The tool builds each model from its config (:mod:`.build`), feeds it synthetic batches
through the model's own ``data_preprocessor`` (:mod:`.data`) and times whole training steps
(data preprocessing, forward, loss, backward, the config's optimizer) or inference
(:mod:`.steps`), **interleaving the configs** (A B A B ...) in one process so that load from
other processes on a shared machine hits every config alike, and reports medians
(:mod:`.timing`). Also here: the device's measured matmul peak, the denominator of "fraction
of peak" (:mod:`.device`), FLOP counting (:mod:`.flops`, with its convention), peak memory
(:mod:`.memory`) and the Markdown report (:mod:`.report`).
"""
from .build import (build_model, fuse_conv_bn_for_inference, model_num_classes,
                    prepare_model_cfg, set_memory_format)
from .data import build_train_loader, measure_loader, measure_loop, synthetic_batch
from .device import (device_sync, machine_info, matmul_gflops, measure_peak,
                     onednn_gemm_gflops, torch_threads)
from .flops import count_flops, preprocessed_shape
from .memory import PeakMemory
from .report import render_markdown
from .steps import AMP_DTYPES, InferStep, TrainStep, amp_optim_wrapper_cfg
from .timing import Case, interleave, summarize_times

__all__ = [
    'build_model', 'fuse_conv_bn_for_inference', 'model_num_classes', 'prepare_model_cfg',
    'set_memory_format', 'build_train_loader', 'measure_loader', 'measure_loop',
    'synthetic_batch', 'device_sync', 'machine_info', 'matmul_gflops', 'measure_peak',
    'onednn_gemm_gflops', 'torch_threads', 'count_flops', 'preprocessed_shape', 'PeakMemory',
    'render_markdown', 'AMP_DTYPES', 'InferStep', 'TrainStep', 'amp_optim_wrapper_cfg', 'Case',
    'interleave', 'summarize_times'
]
