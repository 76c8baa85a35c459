# Study 002 §5.1: MobileNetV3-Small encoder (stride 32, 576 ch) + LightUpsampleHead: four
# x2 upsample + 3x3 conv + ReLU blocks (256/128/64/32 filters), a last x2 upsample and the
# 1x1 classifier (37 classes in the study: the dataset config sets num_classes).
# The encoder is mmpretrain's classification MobileNetV3 (mmseg's is dilated to stride 8).
# Pretrained vs scratch: no MobileNetV3 ImageNet weights are reachable offline; the pretrained
# arm with real weights here is mobilenetv2_light.py. With downloaded mmpretrain weights:
#   model.backbone.init_cfg=dict(type='Pretrained', checkpoint=<file>, prefix='backbone.')
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    size_divisor=32,
    pad_val=0,
    seg_pad_val=255,
    test_cfg=dict(size_divisor=32))
model = dict(
    # mmseg's EncoderDecoder in channels-last layout (faster; docs/benchmarks.md).
    # mmseg's NCHW: memory_format='contiguous'.
    type='MemoryFormatEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='mmpretrain.MobileNetV3',
        arch='small',
        out_indices=(12, ),
        norm_cfg=dict(type='BN', eps=0.001, momentum=0.01)),
    decode_head=dict(
        type='LightUpsampleHead',
        in_channels=576,
        in_index=0,
        channels=32,
        block_channels=(256, 128, 64, 32),
        upsample_mode='nearest',
        final_upsample=True,
        norm_cfg=None,
        dropout_ratio=0.0,
        num_classes=19,  # placeholder: the dataset/study configs set it
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
