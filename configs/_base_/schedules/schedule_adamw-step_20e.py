_base_ = ['./epoch_hooks.py']
# Study 004 §III.E: AdamW (lr 1e-4, weight decay 1e-4, betas (0.9, 0.999)), StepLR with step
# size 20 epochs and gamma 0.5, 20 epochs, gradient clipping at max norm 1.0. As stated, the
# step at epoch 20 falls after the last epoch, so the LR is constant in practice; we keep the
# scheduler so a longer run (max_epochs > 20) behaves as the study describes.
# AMP: not declared; `--amp` trains in bf16 on CPU, fp16 on a GPU (CPUAwareAmpOptimWrapper).
optimizer = dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=1e-4)
# FusedOptimWrapperConstructor: torch's fused kernel for the update where it has one
# (docs/benchmarks.md); otherwise mmengine's DefaultOptimWrapperConstructor.
optim_wrapper = dict(type='OptimWrapper', constructor='FusedOptimWrapperConstructor',
                     optimizer=optimizer,
                     clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = [dict(type='StepLR', step_size=20, gamma=0.5, by_epoch=True)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
