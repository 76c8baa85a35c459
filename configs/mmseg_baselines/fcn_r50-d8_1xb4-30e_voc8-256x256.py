# MMSeg's own fcn_r50-d8 (its _base_ model file, unchanged but for BN instead of SyncBN) with
# study 000's dataset, schedule and loss, to compare seglab's models against MMSeg. ImageNet
# weights: mmseg's open-mmlab:// URI; offline, --cfg-options model.pretrained=/path (or
# model.pretrained=None to train from scratch).
# Matches: configs/000_voc8-unet/unet_plain-w64_1xb4-30e_voc8-256x256.py
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    '../_base_/datasets/voc8.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adamw-const_30e.py',
    '../_base_/losses/log-frequency-ce_voc8.py',
]
compared_with = 'configs/000_voc8-unet/unet_plain-w64_1xb4-30e_voc8-256x256.py'
num_classes = 8
norm_cfg = dict(type='BN', requires_grad=True)  # one process: no SyncBN
model = dict(
    data_preprocessor=dict(size=(256, 256)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                     loss_decode=dict(_delete_=True, **_base_.log_frequency_ce_loss)),
    auxiliary_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                        loss_decode=dict(_delete_=True, loss_weight=0.4,
                                         **_base_.log_frequency_ce_loss)))
train_dataloader = dict(batch_size=4)
# Study 000 §4.5: mIoU per validation mini-batch of 4, averaged (next to the dataset-level one).
val_dataloader = dict(batch_size=4)
test_dataloader = val_dataloader
val_evaluator = dict(type='DetailedIoUMetric', batch_averaged=True, per_image=True)
test_evaluator = val_evaluator
