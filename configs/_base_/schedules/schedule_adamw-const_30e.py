_base_ = ['./epoch_hooks.py']
# Study 000 §4.3: AdamW (lr 2e-4, weight decay 1e-4), constant learning rate, 30 epochs,
# validation after every epoch (§4.5). Batch size 4 and seed 42 are set by the study configs
# and default_runtime.py. AMP: not declared (the recorded runs are fp32); `--amp` to
# tools/train.py trains in bf16 on CPU, fp16 on a GPU (seglab's CPUAwareAmpOptimWrapper).
optimizer = dict(type='AdamW', lr=2e-4, betas=(0.9, 0.999), weight_decay=1e-4)
# FusedOptimWrapperConstructor: torch's fused kernel for the update where it has one
# (docs/benchmarks.md); otherwise mmengine's DefaultOptimWrapperConstructor.
optim_wrapper = dict(type='OptimWrapper', constructor='FusedOptimWrapperConstructor',
                     optimizer=optimizer)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
