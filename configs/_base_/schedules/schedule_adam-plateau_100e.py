# Study 002: Adam 1e-3; LR x0.5 when the validation metric stalls for 2 epochs (min 1e-6);
# early stopping after 20 epochs without improvement (EarlyStoppingHook in the configs).
# The study monitors val_loss; MMSeg validates metrics, so we monitor mIoU (rule 'greater').
optimizer = dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)
param_scheduler = [
    dict(type='ReduceOnPlateauLR', monitor='mIoU', rule='greater', factor=0.5, patience=2,
         min_value=1e-6, by_epoch=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
