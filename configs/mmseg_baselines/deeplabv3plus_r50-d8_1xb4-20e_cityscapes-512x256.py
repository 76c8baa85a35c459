# MMSeg's own deeplabv3plus_r50-d8 (its _base_ model file, unchanged but for BN instead of
# SyncBN) with study 004's dataset, schedule and loss, to compare seglab's models against MMSeg.
# ImageNet weights: mmseg's open-mmlab:// URI; offline, --cfg-options model.pretrained=/path (or
# model.pretrained=None to train from scratch).
# Matches: configs/004_loss-weighting/attention-unet_1xb4-dice-dominant-20e_cityscapes-512x256.py
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/datasets/cityscapes_512x256.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adamw-step_20e.py',
]
compared_with = ('configs/004_loss-weighting/'
                 'attention-unet_1xb4-dice-dominant-20e_cityscapes-512x256.py')
num_classes = 19
# Study 004's loss: the preset, median-frequency class weights of the Cityscapes base.
combined_loss = dict(type='CombinedLoss', preset='dice_dominant',
                     class_weight=_base_.cityscapes_class_frequency_file,
                     class_weight_key='median_frequency_weights')
norm_cfg = dict(type='BN', requires_grad=True)  # one process: no SyncBN
model = dict(
    data_preprocessor=dict(size=(256, 512)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                     loss_decode=dict(_delete_=True, **combined_loss)),
    auxiliary_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                        loss_decode=dict(_delete_=True, **combined_loss, loss_weight=0.4)))
train_dataloader = dict(batch_size=4)
# As the study: Table III's "Min Val Loss", the loss on the val split (val/val_loss).
custom_hooks = _base_.custom_hooks + [dict(type='ValLossHook')]
