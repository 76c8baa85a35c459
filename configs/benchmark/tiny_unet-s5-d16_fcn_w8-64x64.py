# A seconds-long smoke config for tools/analysis_tools/benchmark.py and its tests: MMSeg's
# UNet-S5-D16 + FCN (+ auxiliary FCN head) at 8 base channels, 64x64, with the synthetic VOC
# train loader for --mode data (point it at a dataset with
# --cfg-options train_dataloader.dataset.data_root=DIR).
_base_ = [
    'mmseg::_base_/models/fcn_unet_s5-d16.py',
    '../_base_/datasets/synthetic_voc.py',
    '../_base_/schedules/schedule_adamw_2k.py',
]
default_scope = 'mmseg'
num_classes = 21
crop_size = (64, 64)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(base_channels=8, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=8, channels=8, num_classes=num_classes, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=16, channels=8, num_classes=num_classes, norm_cfg=norm_cfg),
    test_cfg=dict(mode='whole'))
train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations', num_classes=num_classes),
    dict(type='RandomResize', scale=(96, 72), ratio_range=(0.75, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(pipeline=train_pipeline))
