# The quickstart: a 16-channel U-Net trained for 600 iterations on the synthetic VOC data
# (tools/misc/make_synthetic_voc.py), a few minutes on 2 CPU cores.
# seglab's plain U-Net of study 000 (PlainUNetEncoder + UNetHead) at 16 base channels;
# `bash tools/quickstart.sh` runs it end to end.
_base_ = [
    '../_base_/models/unet.py',
    '../_base_/datasets/synthetic_voc.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adamw_2k.py',
]
crop_size = (128, 128)
num_classes = 21  # PASCAL VOC: background + 20 object classes
# One CPU process: plain BatchNorm (SyncBN needs a process group).
data_preprocessor = dict(
    size=crop_size,
    size_divisor=None,
    # Whole-image testing: pad each val image to a multiple of 16 (the U-Net downsamples 4x);
    # mmseg crops the prediction back to the image before scoring.
    test_cfg=dict(size_divisor=16))
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(base_channels=16),
    # No dropout: 600 iterations are too few for it to pay off.
    decode_head=dict(in_channels=[16, 32, 64, 128, 256], channels=16,
                     num_classes=num_classes, dropout_ratio=0.0))
optim_wrapper = dict(optimizer=dict(lr=5e-3))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=1.0, begin=0, end=600,
                        by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=600, val_interval=300)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=300, max_keep_ckpts=1),
    # tools/test.py --show-dir paints every 10th val image (40 in the split).
    visualization=dict(interval=10))
