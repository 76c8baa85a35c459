# DeepLabV3+ with an ImageNet ResNet-34 (study 004 §III.C): mmseg's ResNet (BasicBlock,
# torchvision layout) + DepthwiseSeparableASPPHead. ASPP rates [6, 12, 18] are the rates of
# output stride 16 (DeepLabV3), so the last stage is dilated instead of strided (OS 16, as smp's
# DeepLabV3Plus default); the low-level skip is layer1 (64 ch, H/4) reduced to 48 channels.
# Head width 128 as mmseg's BasicBlock (R18) DeepLabV3+ recipe: ~22.4 M parameters against the
# study's ~21.3 M (width 256, DeepLabV3+'s own, gives ~25 M with mmseg's 3x3 ASPP bottleneck).
# ImageNet weights: torchvision://resnet34 (downloaded on first use); offline, point to a local
# torchvision-format file: --cfg-options model.backbone.init_cfg.checkpoint=/path/resnet34.pth
norm_cfg = dict(type='BN', requires_grad=True)  # SyncBN for multi-GPU runs
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    # Pad to a multiple of 32 (the ResNet stem and stages; a training batch needs one size);
    # mmseg crops predictions back at test time.
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
        type='ResNet',
        depth=34,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet34')),
    decode_head=dict(
        type='DepthwiseSeparableASPPHead',
        in_channels=512,
        in_index=3,
        channels=128,
        dilations=(1, 6, 12, 18),
        c1_in_channels=64,
        c1_channels=48,
        dropout_ratio=0.1,
        num_classes=19,  # placeholder: the study configs set it
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
