# The quickstart: a 16-channel U-Net trained for 600 iterations on the synthetic VOC data
# (tools/misc/make_synthetic_voc.py), a few minutes on 2 CPU cores.
# mmseg's own UNet (study 000's architecture: 5 stages, 2 convs each, 16 base channels here)
# until seglab's PlainUNetEncoder/UNetHead land; `bash tools/quickstart.sh` runs it end to end.
_base_ = [
    'mmseg::_base_/models/fcn_unet_s5-d16.py',
    '../_base_/datasets/synthetic_voc.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adamw_2k.py',
]
crop_size = (128, 128)
num_classes = 21  # PASCAL VOC: background + 20 object classes
# One CPU process: plain BatchNorm (SyncBN needs a process group).
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    size=crop_size,
    # Whole-image testing: pad each val image to a multiple of 16 (the U-Net downsamples 4x);
    # mmseg crops the prediction back to the image before scoring.
    test_cfg=dict(size_divisor=16))
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(base_channels=16, norm_cfg=norm_cfg),
    # No dropout: 600 iterations are too few for it to pay off.
    decode_head=dict(in_channels=16, channels=16, num_classes=num_classes, norm_cfg=norm_cfg,
                     dropout_ratio=0.0),
    auxiliary_head=dict(in_channels=32, channels=16, num_classes=num_classes,
                        norm_cfg=norm_cfg, dropout_ratio=0.0),
    test_cfg=dict(mode='whole'))
optim_wrapper = dict(optimizer=dict(lr=5e-3))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=1.0, begin=0, end=600,
                        by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=600, val_interval=300)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=300, max_keep_ckpts=1),
    # tools/test.py --show-dir paints every 10th val image (40 in the split).
    visualization=dict(interval=10))
