# SegNet (Badrinarayanan et al. 2017) at study 001's depth: the baseline that SegNet-residual
# (segnet_residual.py) is compared with. Same encoder (VGG16-BN's first 3 stages: 2/2/3 convs,
# 64/128/256 channels, three max-pools to H/8) and the same decoder layers; only the fusion
# differs. Max-unpooling with the encoder's pooling indices (see docs/segnet.md).
# Other depths: segnet_basic.py (SegNet-Basic), segnet_vgg16.py (13-conv VGG16-BN SegNet).
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    # Pad to a multiple of 8 (three 2x max-poolings; a training batch needs one size, and 8 pads
    # nothing on CamVid (360x480) or 256x256 crops);
    # mmseg crops predictions back at test time.
    size_divisor=8,
    pad_val=0,
    seg_pad_val=255,
    test_cfg=dict(size_divisor=8))
model = dict(
    # mmseg's EncoderDecoder in channels-last layout (faster; docs/benchmarks.md).
    # mmseg's NCHW: memory_format='contiguous'.
    type='MemoryFormatEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(type='SegNetEncoder', arch='vgg16_bn', num_stages=3, norm_cfg=norm_cfg),
    decode_head=dict(
        type='SegNetHead',
        in_channels=(64, 128, 256),
        channels=64,
        num_convs=(1, 2, 3),
        kernel_size=3,
        seg_kernel_size=3,
        dropout_ratio=0.0,
        num_classes=19,  # placeholder: the study configs set it
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
