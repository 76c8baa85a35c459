_base_ = ['./epoch_hooks.py']
# Study 001 §III.C, Table I: SGD with momentum, lr 0.1, momentum 0.9, 210-epoch limit, constant
# learning rate (no schedule is stated; SegNet, the baseline, also trains at a fixed 0.1).
# Weight decay is not stated by the study: 5e-4 as in SegNet's Caffe solver and mmseg's SGD
# schedules. Validation every 5 epochs (not stated; keeps the 210-epoch run affordable).
optimizer = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4)
# FusedOptimWrapperConstructor: torch's fused kernel for the update where it has one
# (docs/benchmarks.md); otherwise mmengine's DefaultOptimWrapperConstructor.
optim_wrapper = dict(type='OptimWrapper', constructor='FusedOptimWrapperConstructor',
                     optimizer=optimizer, clip_grad=None)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=210, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# Checkpoint at each validation (every 5 epochs).
default_hooks = dict(checkpoint=dict(interval=5))
