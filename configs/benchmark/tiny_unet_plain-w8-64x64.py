# A seconds-long smoke config: seglab's plain U-Net (PlainUNetEncoder + UNetHead) at 8 base
# channels, 64x64 (tests of tools/analysis_tools/benchmark.py's optimisations).
_base_ = [
    '../_base_/models/unet.py',
    '../_base_/schedules/schedule_adamw_2k.py',
]
default_scope = 'mmseg'
num_classes = 21
model = dict(
    data_preprocessor=dict(size=(64, 64), size_divisor=None),
    backbone=dict(base_channels=8),
    decode_head=dict(in_channels=[8, 16, 32, 64, 128], channels=8, num_classes=num_classes,
                     dropout_ratio=0.1))
