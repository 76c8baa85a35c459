_base_ = ['./epoch_hooks.py']
# Study 002 §5.2: Adam (lr 1e-3); ReduceLROnPlateau (factor 0.5, patience 2, min lr 1e-6);
# early stopping with patience 20 (schedule_adam-plateau-valloss_100e.py, with the monitor).
# The study (Keras) monitors val_loss. MMSeg's validation computes metrics only, so the study's
# schedule, schedule_adam-plateau-valloss_100e.py, adds seglab's ValLossHook, which puts the
# decode head's loss on the val split into the metrics as 'val_loss', and sets monitor='val_loss',
# rule='less' (mmengine's scheduler skips a missing monitor silently: tests/configs/
# test_study_protocols.py checks that every config monitoring val_loss has the hook). This base
# keeps mIoU (rule 'greater'), which needs no hook.
# threshold 1e-4 'abs' is Keras' default min_delta for ReduceLROnPlateau.
# Patience: Keras reduces once `wait >= patience`, mmengine (like PyTorch) once
# `num_bad_epochs > patience`, so the study's Keras patience 2 is mmengine's patience=1
# (LR halves after the 2nd validation in a row without improvement).
# The study states no epoch count (early stopping ends it): 100 epochs is our upper bound.
# mmengine's ReduceOnPlateauLR only accepts `by_epoch=True`; it is stepped with the metrics
# after every validation (checked in an epoch loop and in an iteration loop, see
# tests/configs/test_configs_build.py), so one validation per epoch = the study's per-epoch check.
optimizer = dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0)
# FusedOptimWrapperConstructor: torch's fused kernel for the update where it has one
# (docs/benchmarks.md); otherwise mmengine's DefaultOptimWrapperConstructor.
optim_wrapper = dict(type='OptimWrapper', constructor='FusedOptimWrapperConstructor',
                     optimizer=optimizer)
param_scheduler = [
    dict(type='ReduceOnPlateauLR', monitor='mIoU', rule='greater', factor=0.5, patience=1,
         threshold=1e-4, threshold_rule='abs', min_value=1e-6, by_epoch=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
