# FCN with dropout (study 003): mmseg's FCN R50-D8 (ResNetV1c-50, output stride 8, FCNHead with
# two 3x3 convs and the input concatenated) with dropout before the classifier, the place of
# FCN's drop7 (Long et al.) and of mmseg's cls_seg dropout: the layer whose masks the T = 5
# Monte-Carlo passes of CDFL re-draw (study 003 §III.C). The study gives no ratio: 0.5, FCN's and
# MC dropout's (Gal & Ghahramani) value, instead of mmseg's 0.1. No auxiliary head (the study's FCN
# has one output; the loss comparison stays on it). The head is seglab's MCDropoutFCNHead, mmseg's
# FCNHead that also feeds the Monte-Carlo dropout samples to a loss that takes them (CDFL) and
# is FCNHead for every other loss, so all study-003 arms run the same network.
# ImageNet weights: open-mmlab://resnet50_v1c (downloaded on first use); offline:
# --cfg-options model.backbone.init_cfg.checkpoint=/path/resnet50_v1c.pth
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
        type='ResNetV1c',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnet50_v1c')),
    decode_head=dict(
        type='MCDropoutFCNHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        num_convs=2,
        concat_input=True,
        dropout_ratio=0.5,
        num_classes=19,  # placeholder: the study configs set it
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
