# Benchmark: seglab's ResNet-50 U-Net (study 000 §3.2: ResNetStemEncoder + UNetHead),
# random init (speed does not depend on the weights), plain CE, AdamW. Peer:
# smp-unet-r50_8cls-256x256.py. Model only.
_base_ = [
    '../_base_/models/unet_r50.py',
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
