"""Cost of one CDFL (T Monte-Carlo samples) training step relative to plain CE.

Builds the same FCN model twice (ResNetV1c-18 + MCDropoutFCNHead / FCNHead) and
times full training steps (forward, loss, backward, SGD step), interleaved
A B A B ... so that load from other processes on a shared CPU hits both alike;
reports medians and their ratio. A measurement, not a test:

    python tools/analysis_tools/benchmark_cdfl_step.py --repeats 10
"""
import argparse
import os.path as osp
import statistics
import sys
import time

import torch

# Running the tool from a source checkout must measure this checkout's seglab.
sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import seglab  # noqa: E402,F401  (before mmseg.models)
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample


def build_fcn(loss_decode: dict, head: str, num_classes: int, depth: int, num_mc_samples: int,
              size: int) -> torch.nn.Module:
    """ResNetV1c FCN at output stride 32 with an FCN head on the last stage."""
    init_default_scope('mmseg')
    head_cfg = dict(type=head,
                    in_channels=512,
                    in_index=3,
                    channels=128,
                    num_convs=2,
                    concat_input=True,
                    dropout_ratio=0.1,
                    num_classes=num_classes,
                    norm_cfg=dict(type='BN', requires_grad=True),
                    align_corners=False,
                    loss_decode=loss_decode)
    if head == 'MCDropoutFCNHead':
        head_cfg['num_mc_samples'] = num_mc_samples
    return MODELS.build(
        dict(type='EncoderDecoder',
             data_preprocessor=dict(type='SegDataPreProcessor',
                                    mean=[123.675, 116.28, 103.53],
                                    std=[58.395, 57.12, 57.375],
                                    bgr_to_rgb=True,
                                    size=(size, size),
                                    pad_val=0,
                                    seg_pad_val=255),
             backbone=dict(type='ResNetV1c',
                           depth=depth,
                           num_stages=4,
                           out_indices=(0, 1, 2, 3),
                           norm_cfg=dict(type='BN', requires_grad=True),
                           style='pytorch'),
             decode_head=head_cfg))


def make_batch(batch_size: int, size: int, num_classes: int, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(batch_size):
        label = torch.randint(0, num_classes, (1, size, size), generator=g)
        label[:, :8] = 255
        s = SegDataSample(gt_sem_seg=PixelData(data=label))
        s.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size), pad_shape=(size, size)))
        samples.append(s)
    inputs = [
        torch.randint(0, 256, (3, size, size), generator=g).float() for _ in range(batch_size)
    ]
    return dict(inputs=inputs, data_samples=samples)


def measure_cdfl_step_ratio(repeats: int = 10,
                            warmup: int = 2,
                            batch_size: int = 2,
                            size: int = 256,
                            num_classes: int = 21,
                            depth: int = 18,
                            num_mc_samples: int = 5) -> dict:
    """Median seconds of a CE step and a CDFL step (interleaved) and their ratio."""
    torch.manual_seed(0)
    models = {
        'ce':
        build_fcn(dict(type='CrossEntropyLoss'), 'FCNHead', num_classes, depth, num_mc_samples,
                  size),
        'cdfl':
        build_fcn(dict(type='CrossDropoutFocalLoss'), 'MCDropoutFCNHead', num_classes, depth,
                  num_mc_samples, size),
    }
    models['cdfl'].load_state_dict(models['ce'].state_dict())
    wrappers = {
        k: OptimWrapper(torch.optim.SGD(m.parameters(), lr=1e-3))
        for k, m in models.items()
    }
    data = make_batch(batch_size, size, num_classes)
    times = {'ce': [], 'cdfl': []}
    for i in range(warmup + repeats):
        for name in ('ce', 'cdfl'):
            models[name].train()
            start = time.perf_counter()
            models[name].train_step(data, wrappers[name])
            if i >= warmup:
                times[name].append(time.perf_counter() - start)
    ce, cdfl = statistics.median(times['ce']), statistics.median(times['cdfl'])
    return dict(ce_s=ce,
                cdfl_s=cdfl,
                ratio=cdfl / ce,
                repeats=repeats,
                batch_size=batch_size,
                size=size,
                num_classes=num_classes,
                model=f'ResNetV1c-{depth} + FCN head (2 convs, 128 ch)',
                num_mc_samples=num_mc_samples,
                threads=torch.get_num_threads())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--num-classes', type=int, default=21)
    parser.add_argument('--depth', type=int, default=18)
    parser.add_argument('--num-mc-samples', type=int, default=5)
    args = parser.parse_args()
    r = measure_cdfl_step_ratio(args.repeats,
                                batch_size=args.batch_size,
                                size=args.size,
                                num_classes=args.num_classes,
                                depth=args.depth,
                                num_mc_samples=args.num_mc_samples)
    print(f"{r['model']}, batch {r['batch_size']}x3x{r['size']}x{r['size']}, "
          f"{r['num_classes']} classes, T={r['num_mc_samples']}, {r['threads']} threads, "
          f"{r['repeats']} interleaved repeats")
    print(f"CE step   median {r['ce_s'] * 1e3:.1f} ms")
    print(f"CDFL step median {r['cdfl_s'] * 1e3:.1f} ms")
    print(f"ratio CDFL/CE {r['ratio']:.3f}")


if __name__ == '__main__':
    main()
