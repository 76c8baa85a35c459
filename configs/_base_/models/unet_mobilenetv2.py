# MobileNetV2 U-Net: mmseg's MobileNetV2 (width 1.0, stride 32) returning five levels
# (16/24/32/96/320 ch at 1/2..1/32; out_indices 0,1,2,4,6) + UNetHead (decoder widths 32/64/
# 128/256, finest first). Logits at 1/2, bilinearly upsampled to the input size.
# ImageNet weights: mmcls://mobilenet_v2 (download), or the real ImageNet weights in
# ../shared converted once (docs/models.md):
#   python tools/model_converters/mobilenet_v2_to_mmseg.py \
#       ../shared/weights/mobilenet_v2_imagenet.pt work_dirs/pretrained/mobilenet_v2_mmseg.pth
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/pretrained/mobilenet_v2_mmseg.pth
# From scratch: --cfg-options model.backbone.init_cfg=None
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
        type='MobileNetV2',
        widen_factor=1.,
        strides=(1, 2, 2, 2, 1, 2, 1),
        dilations=(1, 1, 1, 1, 1, 1, 1),
        out_indices=(0, 1, 2, 4, 6),
        norm_cfg=norm_cfg,
        init_cfg=dict(type='Pretrained', checkpoint='mmcls://mobilenet_v2')),
    decode_head=dict(
        type='UNetHead',
        in_channels=[16, 24, 32, 96, 320],
        channels=32,
        decoder_channels=[32, 64, 128, 256],
        dropout_ratio=0.0,
        num_classes=19,  # placeholder: the dataset/study configs set it
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
