# MMSeg's own deeplabv3plus_r50-d8 (its _base_ model file, unchanged but for BN instead of
# SyncBN) with study 003's dataset, schedule and loss, to compare seglab's models against MMSeg.
# ImageNet weights: mmseg's open-mmlab:// URI; offline, --cfg-options model.pretrained=/path (or
# model.pretrained=None to train from scratch).
# Matches: configs/003_cdfl/fcn_r50-d8-dropout_1xb8-ce-20k_cityscapes-512x1024.py
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/datasets/cityscapes_512x1024.py',  # mmseg::'s + Checked loaders
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_sgd-poly_20k.py',
]
compared_with = 'configs/003_cdfl/fcn_r50-d8-dropout_1xb8-ce-20k_cityscapes-512x1024.py'
num_classes = 19
norm_cfg = dict(type='BN', requires_grad=True)  # one process: no SyncBN
model = dict(
    data_preprocessor=dict(size=(512, 1024)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                     loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                                      avg_non_ignore=True)),
    auxiliary_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                                         avg_non_ignore=True, loss_weight=0.4)))
train_dataloader = dict(batch_size=8)
# The study's metrics.
val_evaluator = dict(type='DetailedIoUMetric', per_image=True)
test_evaluator = val_evaluator
