# Study 004: AdamW lr 1e-4, wd 1e-4, betas (0.9, 0.999); StepLR(20 epochs, x0.5); 20 epochs;
# gradient clipping at norm 1.0 (AMP: pass --amp on a GPU).
optimizer = dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=1e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer,
                     clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = [dict(type='StepLR', step_size=20, gamma=0.5, by_epoch=True)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
