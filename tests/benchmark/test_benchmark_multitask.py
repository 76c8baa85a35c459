"""The benchmark's synthetic batch carries the image-level targets, so a multi-task
segmentor trains on it; and the matmul size must be positive."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from seglab.benchmark import TrainStep, build_model, synthetic_batch

from helpers import REPO  # noqa: E402

MULTITASK = osp.join(REPO, 'configs/002_transfer/'
                     'multitask_m-v2_1xb32-12e_voc8-256x256_cpu-reduced.py')


def test_synthetic_targets_match_the_labels():
    batch = synthetic_batch(3, (32, 32), 5, seed=3)
    for sample in batch['data_samples']:
        label = sample.gt_sem_seg.data
        valid = label[label != 255]
        want = torch.zeros(5)
        want[valid.unique()] = 1
        assert torch.equal(sample.gt_presence, want)
        assert int(sample.gt_label) == int(torch.bincount(valid, minlength=5).argmax())
        assert bool(sample.gt_bbox_valid) and sample.gt_bbox.shape == (4, )


def test_a_multitask_model_trains_a_step_on_the_synthetic_batch():
    cfg = Config.fromfile(MULTITASK)
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    model = build_model(cfg, shape=(64, 64))
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert len(model.image_heads) > 0
    before = {n: p.detach().clone() for n, p in model.image_heads.named_parameters()}
    TrainStep(model, wrapper, synthetic_batch(2, (64, 64), 8), 'cpu', None)()
    after = dict(model.image_heads.named_parameters())
    assert all(not torch.equal(v, after[n]) for n, v in before.items() if 'weight' in n)


def test_matmul_size_must_be_positive(capsys):
    from helpers import load_tool
    tool = load_tool('tools/analysis_tools/benchmark.py', 'seglab_benchmark_tool_n')
    with pytest.raises(SystemExit):
        tool.parse_args(['x.py', '--matmul-n', '0'])
    assert 'must be >= 1, got 0' in capsys.readouterr().err


def test_a_config_pinning_amp_runs_in_its_dtype_unless_fp32_is_asked():
    from helpers import load_tool
    tool = load_tool('tools/analysis_tools/benchmark.py', 'seglab_benchmark_tool_amp')
    pinned = Config.fromfile(osp.join(
        REPO, 'configs/000_voc8-unet/unet_plain-w16_1xb4-10e_voc8-256x256_cpu-reduced.py'))
    assert pinned.optim_wrapper.type == 'CPUAwareAmpOptimWrapper'
    args = tool.parse_args([MULTITASK])
    assert tool.amp_of(args, set(), pinned) == 'bf16'  # the row is labelled as it trains
    assert tool.amp_of(args, {'fp32'}, pinned) is None
    plain = tool.optim_cfg(pinned, {'fp32'})
    assert plain['type'] == 'OptimWrapper' and 'dtype' not in plain
    assert pinned.optim_wrapper.type == 'CPUAwareAmpOptimWrapper'  # the config is untouched
    fp16 = Config(dict(optim_wrapper=dict(type='AmpOptimWrapper', dtype='float16')))
    assert tool.amp_of(args, set(), fp16) == 'fp16'
    with pytest.raises(SystemExit, match='@bf16 and @fp32 contradict'):
        tool.amp_of(args, {'bf16', 'fp32'}, pinned)
