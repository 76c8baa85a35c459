"""Fused Adam/AdamW/Adagrad stepping channels-last parameters without copies: the same update
and state as torch's fused kernel, no NHWC -> contiguous copies, built by seglab's schedules."""
import copy

import pytest
import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper
from torch.profiler import ProfilerActivity, profile

import seglab  # noqa: F401
from seglab.engine.channels_last_optimizers import (ChannelsLastAdagrad, ChannelsLastAdam,
                                                    ChannelsLastAdamW, ChannelsLastSGD)
from seglab.engine.fused_optim_wrapper_constructor import fused_kernel_available

pytestmark = pytest.mark.skipif(
    not fused_kernel_available(torch.optim.AdamW, torch.device('cpu')),
    reason='this torch has no fused CPU optimizers (torch < 2.4)')

PAIRS = [(torch.optim.AdamW, ChannelsLastAdamW, dict(weight_decay=1e-2)),
         (torch.optim.Adam, ChannelsLastAdam, dict(amsgrad=True)),
         (torch.optim.Adagrad, ChannelsLastAdagrad, {})]
COPIES = ('aten::contiguous', 'aten::clone')


def _params():
    torch.manual_seed(0)
    return [nn.Parameter(torch.randn(16, 8, 3, 3).contiguous(memory_format=torch.channels_last)),
            nn.Parameter(torch.randn(16, 8, 1, 1).contiguous(memory_format=torch.channels_last)),
            nn.Parameter(torch.randn(16))]


def _set_grads(params, seed):
    g = torch.Generator().manual_seed(seed)
    for p in params:
        p.grad = torch.randn(p.shape, generator=g).contiguous(
            memory_format=torch.channels_last if p.dim() == 4 else torch.contiguous_format)


def _step_ops(optimizer):
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        optimizer.step()
    return {e.key: e.count for e in prof.key_averages()}


@pytest.mark.parametrize('torch_cls,ours_cls,kwargs', PAIRS, ids=lambda v: getattr(
    v, '__name__', ''))
def test_same_update_and_state_without_copies(torch_cls, ours_cls, kwargs):
    ref, ours = _params(), _params()
    ref_opt = torch_cls(ref, lr=1e-2, fused=True, **kwargs)
    our_opt = ours_cls(ours, lr=1e-2, fused=True, **kwargs)
    assert isinstance(our_opt, torch_cls)
    for step in range(3):
        _set_grads(ref, step)
        _set_grads(ours, step)
        ref_ops = _step_ops(ref_opt)
        our_ops = _step_ops(our_opt)
    # torch's kernel copies each NHWC tensor to contiguous and back; ours does not.
    assert any(ref_ops.get(op, 0) for op in COPIES), ref_ops
    assert not any(our_ops.get(op, 0) for op in COPIES), our_ops
    for a, b in zip(ref, ours):
        torch.testing.assert_close(b, a, rtol=1e-6, atol=1e-7)
        assert b.is_contiguous(memory_format=torch.channels_last) or b.dim() != 4
    assert not torch.equal(ours[0], _params()[0])  # the step moved the weights
    # The state dict is torch's: same keys, shapes and strides; it loads both ways.
    ref_state, our_state = ref_opt.state_dict(), our_opt.state_dict()
    assert ref_state['param_groups'] == our_state['param_groups']
    for index, state in ref_state['state'].items():
        for key, value in state.items():
            assert our_state['state'][index][key].shape == value.shape
            assert our_state['state'][index][key].stride() == value.stride()
            torch.testing.assert_close(our_state['state'][index][key], value,
                                       rtol=1e-6, atol=1e-7)
    torch_cls(_params(), lr=1e-2, fused=True, **kwargs).load_state_dict(our_state)
    ours_cls(_params(), lr=1e-2, fused=True, **kwargs).load_state_dict(ref_state)


def _mixed_layout_run(cls, relayout, **kwargs):
    """Two steps on an NHWC weight; between them ``relayout(optimizer, param)`` changes the
    layout of a state tensor or the gradient (as resuming an NCHW run's state does)."""
    torch.manual_seed(0)
    base = torch.randn(16, 8, 3, 3)
    grads = [torch.randn(base.shape) for _ in range(2)]
    param = nn.Parameter(base.clone().contiguous(memory_format=torch.channels_last))
    optimizer = cls([param], lr=1e-2, **kwargs)
    for step, grad in enumerate(grads):
        param.grad = grad.clone().contiguous(memory_format=torch.channels_last)
        if step == 1:
            relayout(optimizer, param)
        optimizer.step()
    return param.detach(), optimizer


def _state_nchw(optimizer, param):
    state = optimizer.state[param]
    for key in ('exp_avg', 'exp_avg_sq', 'momentum_buffer'):
        if key in state:
            state[key] = state[key].contiguous()


def _grad_nchw(_optimizer, param):
    param.grad = param.grad.contiguous()


@pytest.mark.parametrize('relayout', [_state_nchw, _grad_nchw], ids=['state', 'grad'])
@pytest.mark.parametrize('torch_cls,ours_cls,kwargs', [
    (torch.optim.AdamW, ChannelsLastAdamW, {}),
    (torch.optim.SGD, ChannelsLastSGD, dict(momentum=0.9))], ids=['AdamW', 'SGD'])
def test_mixed_layouts_get_the_right_update(relayout, torch_cls, ours_cls, kwargs):
    """torch's fused CPU kernels pair elements by memory order: with a state or gradient in
    another layout than the parameter their update is wrong; the per-parameter loop (any
    layout, elementwise) is the reference."""
    truth, _ = _mixed_layout_run(torch_cls, relayout, fused=False, foreach=False, **kwargs)
    ours, optimizer = _mixed_layout_run(ours_cls, relayout, fused=True, **kwargs)
    torch.testing.assert_close(ours, truth, rtol=1e-5, atol=1e-6)
    for value in optimizer.state[next(iter(optimizer.state))].values():
        if value.dim() == 4:  # the state took the parameter's layout and keeps it
            assert value.is_contiguous(memory_format=torch.channels_last)
    torch_fused, _ = _mixed_layout_run(torch_cls, relayout, fused=True, **kwargs)
    if torch.allclose(torch_fused, truth, rtol=1e-5, atol=1e-6):
        pytest.xfail('this torch\'s fused kernel handles mixed layouts: nothing to fix here')


def _wrapper(model, **optimizer):
    cfg = dict(type='OptimWrapper', constructor='FusedOptimWrapperConstructor',
               optimizer=dict(dict(type='AdamW', lr=1e-2), **optimizer))
    return build_optim_wrapper(model, cfg)


def test_the_constructor_builds_the_channels_last_variant():
    model = nn.Conv2d(3, 4, 3)
    assert type(_wrapper(model).optimizer) is ChannelsLastAdamW
    assert type(_wrapper(model, type='Adam').optimizer) is ChannelsLastAdam
    assert type(_wrapper(model, type='Adagrad').optimizer) is ChannelsLastAdagrad
    # Where the update is not fused (explicit choice): torch's class, as configured.
    assert type(_wrapper(model, fused=False).optimizer) is torch.optim.AdamW
    assert type(_wrapper(model, foreach=True).optimizer) is torch.optim.AdamW
    # SGD: the layout fix only (its step stores momentum buffers keyed by the listed tensors).
    sgd = _wrapper(model, type='SGD', momentum=0.9).optimizer
    assert type(sgd) is ChannelsLastSGD and sgd.defaults['fused']
