# MobileNetV3-Small U-Net: mmpretrain's classification MobileNetV3 (stride 32; mmseg's own
# MobileNetV3 is the dilated stride-8 LR-ASPP variant, so it has no coarse levels to decode)
# returning five levels (16/16/24/48/576 ch at 1/2..1/32; out_indices 0,1,3,8,12) + UNetHead.
# MobileNetV3-Large: arch='large', out_indices=(1, 3, 6, 12, 16),
# in_channels=[16, 24, 40, 112, 960].
# No MobileNetV3 ImageNet weights are reachable offline; the backbone starts from mmpretrain's
# default init. With downloaded mmpretrain weights:
#   model.backbone.init_cfg=dict(type='Pretrained', checkpoint=<file>, prefix='backbone.')
norm_cfg = dict(type='BN', requires_grad=True)  # SyncBN for multi-GPU runs
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
        out_indices=(0, 1, 3, 8, 12),
        norm_cfg=dict(type='BN', eps=0.001, momentum=0.01)),
    decode_head=dict(
        type='UNetHead',
        in_channels=[16, 16, 24, 48, 576],
        channels=32,
        decoder_channels=[32, 64, 128, 256],
        dropout_ratio=0.0,
        num_classes=19,  # placeholder: the dataset/study configs set it
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
