# MMSeg's FCN (its fcn_r50-d8 model file with the backbone swapped for the ImageNet MobileNetV2 at
# output stride 32, the study's encoder; MMSeg's FCN head with dropout 0.1 and its auxiliary head
# on the 96-channel stage) with study 002's CamVid protocol: CamVid 360x480, CE, Adam 1e-3 with
# ReduceLROnPlateau and EarlyStopping on val_loss, 100 epochs, batch 32, seed 42.
# Matches: 002_transfer/light_m-v2_1xb32-100e_camvid-360x480.py (all but the model). ImageNet
# weights:
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/pretrained/mobilenet_v2_mmseg.pth
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    '../_base_/datasets/camvid.py',
    '../_base_/schedules/schedule_adam-plateau-valloss_100e.py',  # + runtime, epoch hooks
]
compared_with = 'configs/002_transfer/light_m-v2_1xb32-100e_camvid-360x480.py'
num_classes = 11
norm_cfg = dict(type='BN', requires_grad=True)  # one process: no SyncBN
ce_loss = dict(type='CrossEntropyLoss')  # study 002's: mmseg's CE with its defaults
model = dict(
    pretrained=None,
    data_preprocessor=dict(size_divisor=32, test_cfg=dict(size_divisor=32)),
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.,
        strides=(1, 2, 2, 2, 1, 2, 1),
        dilations=(1, 1, 1, 1, 1, 1, 1),
        out_indices=(1, 2, 4, 6),
        norm_cfg=dict(type='BN', requires_grad=True),
        init_cfg=dict(type='Pretrained', checkpoint='mmcls://mobilenet_v2')),
    decode_head=dict(in_channels=320, channels=128, num_classes=num_classes, norm_cfg=norm_cfg,
                     loss_decode=dict(_delete_=True, **ce_loss, loss_weight=1.0)),
    auxiliary_head=dict(in_channels=96, channels=64, num_classes=num_classes, norm_cfg=norm_cfg,
                        loss_decode=dict(_delete_=True, **ce_loss, loss_weight=0.4)),
    test_cfg=dict(mode='whole'))
train_dataloader = dict(batch_size=32)
