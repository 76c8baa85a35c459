# MMSeg's own fcn_r50-d8 (its _base_ model file, unchanged but for BN instead of SyncBN) with
# study 003's dataset, schedule and loss, to compare seglab's models against MMSeg. ImageNet
# weights: mmseg's open-mmlab:// URI; offline, --cfg-options model.pretrained=/path (or
# model.pretrained=None to train from scratch).
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    'mmseg::_base_/datasets/cityscapes.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_sgd-poly_20k.py',
]
num_classes = 19
norm_cfg = dict(type='BN', requires_grad=True)  # one process: no SyncBN
model = dict(
    data_preprocessor=dict(size=(512, 1024)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                     loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, avg_non_ignore=True)),
    auxiliary_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, avg_non_ignore=True, loss_weight=0.4)))
train_dataloader = dict(batch_size=8)
