# Benchmark peer: MMSeg's own UNet-S5-D16 + FCN head (+ its auxiliary FCN head, as
# mmseg ships it), base width 64, BN instead of SyncBN (one process), plain CE, 8 classes,
# study 000's optimizer (AdamW). Model only: tools/analysis_tools/benchmark.py feeds synthetic
# 256x256 batches through the data_preprocessor.
_base_ = [
    'mmseg::_base_/models/fcn_unet_s5-d16.py',
    '../_base_/schedules/schedule_adamw-const_30e.py',
]
default_scope = 'mmseg'
num_classes = 8
crop_size = (256, 256)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=num_classes, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=num_classes, norm_cfg=norm_cfg),
    test_cfg=dict(mode='whole'))
