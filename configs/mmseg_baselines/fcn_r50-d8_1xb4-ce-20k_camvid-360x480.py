# MMSeg's own fcn_r50-d8 (its _base_ model file: FCNHead with dropout 0.1 and the auxiliary FCN
# head, BN instead of SyncBN) with study 003's CamVid CE protocol; matches
# configs/003_cdfl/fcn_r50-d8-dropout_1xb4-ce-20k_camvid-360x480.py: CamVid 360x480, CE averaged
# over the non-ignored pixels, SGD 0.01 poly 20k iterations, batch 4, seed 42, inputs padded to a
# multiple of 32. Only the model differs (the study: dropout 0.5, MC-dropout head, no aux head).
# ImageNet weights: mmseg's open-mmlab:// URI; offline, --cfg-options
# model.backbone.init_cfg.checkpoint=/path (or model.pretrained=None to train from scratch).
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_sgd-poly_20k.py',
]
compared_with = 'configs/003_cdfl/fcn_r50-d8-dropout_1xb4-ce-20k_camvid-360x480.py'
num_classes = 11
norm_cfg = dict(type='BN', requires_grad=True)  # one process: no SyncBN
ce_loss = dict(type='CrossEntropyLoss', use_sigmoid=False, avg_non_ignore=True)
model = dict(
    data_preprocessor=dict(size_divisor=32, test_cfg=dict(size_divisor=32)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                     loss_decode=dict(_delete_=True, **ce_loss, loss_weight=1.0)),
    auxiliary_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                        loss_decode=dict(_delete_=True, **ce_loss, loss_weight=0.4)),
    test_cfg=dict(mode='whole'))
train_dataloader = dict(batch_size=4)
