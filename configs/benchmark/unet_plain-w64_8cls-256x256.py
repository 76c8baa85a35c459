# Benchmark: seglab's plain U-Net (study 000 §3.1: PlainUNetEncoder + UNetHead) at
# base width 64, the width of MMSeg's UNet-S5-D16 peer (unet-s5-d16_fcn_mmseg_8cls-256x256.py),
# with the same loss (plain CE), optimizer (AdamW) and input. Model only.
_base_ = [
    '../_base_/models/unet.py',
    '../_base_/schedules/schedule_adamw-const_30e.py',
]
default_scope = 'mmseg'
num_classes = 8
crop_size = (256, 256)
model = dict(
    data_preprocessor=dict(size=crop_size, size_divisor=None),
    decode_head=dict(num_classes=num_classes,
                     loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                                      loss_weight=1.0)),
    test_cfg=dict(mode='whole'))
