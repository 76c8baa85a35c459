# MMSeg's own deeplabv3plus_r50-d8 (its _base_ model file, unchanged but for BN instead of
# SyncBN) with study 000's dataset, schedule and loss, to compare seglab's models against MMSeg.
# ImageNet weights: mmseg's open-mmlab:// URI; offline, --cfg-options model.pretrained=/path (or
# model.pretrained=None to train from scratch).
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/datasets/voc8.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adamw-const_30e.py',
]
num_classes = 8
norm_cfg = dict(type='BN', requires_grad=True)  # one process: no SyncBN
voc8_class_frequency = [
    0.7520, 0.0998, 0.0177, 0.0193,
    0.0378, 0.0229, 0.0217, 0.0288,
]
model = dict(
    data_preprocessor=dict(size=(256, 256)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                     loss_decode=dict(_delete_=True, type='LogFrequencyCELoss', class_frequency=voc8_class_frequency)),
    auxiliary_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                        loss_decode=dict(_delete_=True, type='LogFrequencyCELoss', class_frequency=voc8_class_frequency, loss_weight=0.4)))
train_dataloader = dict(batch_size=4)

# Epoch-based loop: log and checkpoint by epoch; the last checkpoint is the reported one.
default_hooks = dict(
    logger=dict(interval=10, log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=1, max_keep_ckpts=1, save_last=True))
log_processor = dict(by_epoch=True)
