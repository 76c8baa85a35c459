# Study 002's light decoder (LightUpsampleHead, see mobilenetv3_light.py) on mmseg's
# MobileNetV2 (stride 32, 320 ch from layer7): the pretrained-vs-scratch comparison with the
# one real ImageNet encoder reachable offline. Convert the weights once (docs/models.md):
#   python tools/model_converters/mobilenet_v2_to_mmseg.py \
#       ../shared/weights/mobilenet_v2_imagenet.pt work_dirs/pretrained/mobilenet_v2_mmseg.pth
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/pretrained/mobilenet_v2_mmseg.pth
# From scratch: --cfg-options model.backbone.init_cfg=None
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
        out_indices=(6, ),
        norm_cfg=dict(type='BN', requires_grad=True),
        init_cfg=dict(type='Pretrained', checkpoint='mmcls://mobilenet_v2')),
    decode_head=dict(
        type='LightUpsampleHead',
        in_channels=320,
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
