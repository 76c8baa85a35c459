# Plain U-Net of study 000 §3.1: from-scratch VGG-style encoder (4 stages 64->512 + 1024
# bottleneck at 1/16, 2x2 max-pool, PyTorch default init) + UNetHead (bilinear UpBlocks,
# eq. 1). ~31.0 M parameters at base_channels=64 (docs/models.md). Width for CPU runs:
#   --cfg-options model.backbone.base_channels=16 \
#     model.decode_head.in_channels="[16,32,64,128,256]" model.decode_head.channels=16
# Any input size works (each decoder map is upsampled to its skip's size); padding to a
# multiple of 16 (size_divisor, also at test time, cropped back) keeps skips exactly aligned.
norm_cfg = dict(type='BN', requires_grad=True)  # SyncBN for multi-GPU runs
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    size_divisor=16,
    pad_val=0,
    seg_pad_val=255,
    test_cfg=dict(size_divisor=16))
model = dict(
    # mmseg's EncoderDecoder in channels-last layout (faster; docs/benchmarks.md).
    # mmseg's NCHW: memory_format='contiguous'.
    type='MemoryFormatEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='PlainUNetEncoder',
        in_channels=3,
        base_channels=64,
        num_stages=5,
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='UNetHead',
        in_channels=[64, 128, 256, 512, 1024],
        channels=64,
        dropout_ratio=0.0,
        num_classes=19,  # placeholder: the dataset/study configs set it
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
