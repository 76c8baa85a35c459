_base_ = ['./iter_hooks.py']
# AdamW at a constant learning rate, iteration-based (quick runs, CPU budgets).
optimizer = dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-4)
# FusedOptimWrapperConstructor: torch's fused kernel for the update where it has one
# (docs/benchmarks.md); otherwise mmengine's DefaultOptimWrapperConstructor.
optim_wrapper = dict(type='OptimWrapper', constructor='FusedOptimWrapperConstructor',
                     optimizer=optimizer)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2000, val_interval=500)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
