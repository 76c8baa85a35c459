"""FusedOptimWrapperConstructor: torch's fused optimizer kernel by default where it
exists, the same update as mmengine's default constructor, config choices respected."""
import pytest
import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper

import seglab  # noqa: F401  (registers the constructor)
from seglab.engine.fused_optim_wrapper_constructor import fused_kernel_available

CPU_FUSED = fused_kernel_available(torch.optim.AdamW, torch.device('cpu'))


def _model(seed=0):
    torch.manual_seed(seed)
    # No bias before the BN: its gradient is rounding noise, which Adam's normalisation
    # turns into +-lr steps that differ between any two summation orders.
    return nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8), nn.Conv2d(8, 4, 1))


def _wrapper(model, constructor='FusedOptimWrapperConstructor', **optimizer):
    optimizer = dict(dict(type='AdamW', lr=1e-2, weight_decay=1e-2), **optimizer)
    cfg = dict(type='OptimWrapper', optimizer=optimizer)
    if constructor:
        cfg['constructor'] = constructor
    return build_optim_wrapper(model, cfg)


@pytest.mark.skipif(not CPU_FUSED, reason='this torch has no fused CPU AdamW (torch < 2.4)')
@pytest.mark.parametrize('optimizer', [dict(type='AdamW'), dict(type='Adam'),
                                       dict(type='SGD', momentum=0.9, lr=0.1)],
                         ids=lambda o: o['type'])
def test_fused_update_equals_the_default_loop(optimizer):
    fused_model, loop_model = _model(), _model()
    fused = _wrapper(fused_model, **optimizer)
    loop = _wrapper(loop_model, constructor=None, **optimizer)
    assert fused.optimizer.defaults['fused'] is True
    assert not loop.optimizer.defaults.get('fused')
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, 12, 12, generator=g)
    for _ in range(3):
        for model, wrapper in ((fused_model, fused), (loop_model, loop)):
            wrapper.update_params(model(x).square().mean())
    for (name, a), b in zip(fused_model.named_parameters(), loop_model.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=name)
    # The update moved the weights (a no-op optimizer would pass the comparison above).
    assert not torch.allclose(fused_model[0].weight, _model()[0].weight)


@pytest.mark.parametrize('choice', [dict(fused=False), dict(foreach=True)])
def test_explicit_choice_in_the_config_wins(choice):
    wrapper = _wrapper(_model(), **choice)
    assert not wrapper.optimizer.defaults.get('fused')
    for key, value in choice.items():
        assert wrapper.optimizer.defaults[key] is value


def test_optimizer_without_fused_kernel_is_built_as_configured():
    wrapper = _wrapper(_model(), type='RMSprop', weight_decay=0.0)
    assert isinstance(wrapper.optimizer, torch.optim.RMSprop)
    assert 'fused' not in wrapper.optimizer.defaults or not wrapper.optimizer.defaults['fused']


def test_paramwise_cfg_still_applies():
    model = _model()
    cfg = dict(type='OptimWrapper', constructor='FusedOptimWrapperConstructor',
               optimizer=dict(type='AdamW', lr=1e-2, weight_decay=1e-2),
               paramwise_cfg=dict(norm_decay_mult=0.0))
    wrapper = build_optim_wrapper(model, cfg)
    bn_params = {id(p) for p in model[1].parameters()}
    decays = {id(p): group['weight_decay'] for group in wrapper.optimizer.param_groups
              for p in group['params']}
    assert all(decays[i] == 0.0 for i in bn_params)
    assert decays[id(model[0].weight)] == pytest.approx(1e-2)
    assert bool(wrapper.optimizer.defaults.get('fused')) is CPU_FUSED


def test_availability_probe_reports_missing_kernels():
    class NoFused(torch.optim.SGD):
        def __init__(self, params, lr, fused=None):
            if fused:
                raise RuntimeError('`fused=True` requires ... supported devices')
            super().__init__(params, lr=lr)

    assert fused_kernel_available(NoFused, torch.device('cpu')) is False
