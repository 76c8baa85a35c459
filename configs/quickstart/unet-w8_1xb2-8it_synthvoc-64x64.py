# A seconds-long smoke run of the quickstart model (tests, CI, debugging the tools):
# 8-channel U-Net, 64x64 crops, batch 2, 8 iterations, a checkpoint every 2 iterations.
# Point it at a synthetic dataset with
#   --cfg-options train_dataloader.dataset.data_root=DIR val_dataloader.dataset.data_root=DIR \
#                 test_dataloader.dataset.data_root=DIR
_base_ = ['./unet-w16_1xb8-600it_synthvoc-128x128.py']
crop_size = (64, 64)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(base_channels=8),
    # Dropout on: resume tests must see the torch random stream restored too.
    decode_head=dict(in_channels=[8, 16, 32, 64, 128], channels=8, dropout_ratio=0.1))
train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations', num_classes={{_base_.num_classes}}),
    dict(type='RandomResize', scale=(96, 72), ratio_range=(0.75, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=8, val_interval=1000)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=2, max_keep_ckpts=2),
    visualization=dict(type='SegVisualizationHook', draw=False))
