_base_ = ['./iter_hooks.py']
# Study 003 (FCN): the study states no optimiser or schedule; we use mmseg's standard FCN
# recipe (configs/_base_/schedules/schedule_20k.py): SGD lr 0.01, momentum 0.9, weight decay
# 5e-4, poly decay (power 0.9, eta_min 1e-4), 20k iterations, validation every 2k.
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4)
# FusedOptimWrapperConstructor: torch's fused kernel for the update where it has one
# (docs/benchmarks.md); otherwise mmengine's DefaultOptimWrapperConstructor.
optim_wrapper = dict(type='OptimWrapper', constructor='FusedOptimWrapperConstructor',
                     optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=20000, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=20000, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
