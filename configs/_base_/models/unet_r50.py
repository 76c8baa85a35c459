# ResNet-50 U-Net of study 000 §3.2: ImageNet ResNet-50 encoder returning the stem S0
# (64 ch, 1/2) and S1..S4 (256/512/1024/2048 ch, 1/4..1/32), UNetHead with four UpBlocks;
# the logits at 1/2 are bilinearly upsampled to the input size.
# Decoder widths (finest first) 64/128/256/256: the study does not give them; these keep the
# decoder at ~10.9 M parameters (34.4 M in all; docs/models.md).
# ImageNet weights: torchvision://resnet50 (downloaded on first use). Offline, point to a local
# torchvision-format state dict:
#   --cfg-options model.backbone.init_cfg.checkpoint=/path/to/resnet50-0676ba61.pth
# Other depths: backbone.depth=18/34 with in_channels [64, 64, 128, 256, 512].
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
        type='ResNetStemEncoder',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        out_stem=True,
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    decode_head=dict(
        type='UNetHead',
        in_channels=[64, 256, 512, 1024, 2048],
        channels=64,
        decoder_channels=[64, 128, 256, 256],
        dropout_ratio=0.0,
        num_classes=19,  # placeholder: the dataset/study configs set it
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
