# MMSeg's own deeplabv3plus_r50-d8 (its _base_ model file, unchanged but for BN instead of
# SyncBN) with study 001's dataset, schedule and loss, to compare seglab's models against MMSeg.
# ImageNet weights: mmseg's open-mmlab:// URI; offline, --cfg-options model.pretrained=/path (or
# model.pretrained=None to train from scratch).
# Matches: configs/001_segnet-residual/segnet_1xb4-bce-210e_camvid-360x480.py
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_sgd-0.1_210e.py',
    '../_base_/losses/balanced-ce_camvid.py',
]
compared_with = 'configs/001_segnet-residual/segnet_1xb4-bce-210e_camvid-360x480.py'
num_classes = 11
norm_cfg = dict(type='BN', requires_grad=True)  # one process: no SyncBN
model = dict(
    data_preprocessor=dict(size=(360, 480)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                     loss_decode=dict(_delete_=True, **_base_.balanced_ce_loss)),
    auxiliary_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                        loss_decode=dict(_delete_=True, loss_weight=0.4,
                                         **_base_.balanced_ce_loss)))
train_dataloader = dict(batch_size=4)
# A checkpoint every epoch (the schedule's: at each validation, every 5).
default_hooks = dict(checkpoint=dict(interval=1))
