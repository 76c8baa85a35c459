"""Batches for a benchmark: synthetic ones, and the config's dataloader timed alone and in
the runner's loop."""
import copy
import statistics
import time
from typing import Callable, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample


def synthetic_batch(batch_size: int,
                    shape: Tuple[int, int],
                    num_classes: int,
                    seed: int = 0,
                    ignore_border: int = 4) -> dict:
    """A batch as a dataloader yields it: uint8-range images and ``gt_sem_seg`` labels
    (a few rows of ignore index 255, as padding and VOC borders give), plus the image-level
    targets ``PackMultiTaskInputs`` packs (class presence, the label with most pixels, a box)
    so multi-task segmentors train on it too; plain segmentors ignore those fields."""
    h, w = shape
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8))
        label = torch.randint(0, num_classes, (1, h, w), generator=g)
        label[:, :ignore_border] = 255
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        counts = torch.bincount(label[label != 255], minlength=num_classes)[:num_classes]
        sample.gt_presence = (counts > 0).float()
        sample.gt_label = counts.argmax()
        sample.gt_bbox = torch.tensor([0.25, 0.25, 0.75, 0.75])
        sample.gt_bbox_valid = torch.tensor(True)
        sample.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


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
