# MMSeg's own deeplabv3plus_r50-d8 (its _base_ model file, unchanged but for BN instead of
# SyncBN) with study 002's dataset, schedule and loss, to compare seglab's models against MMSeg.
# ImageNet weights: mmseg's open-mmlab:// URI; offline, --cfg-options model.pretrained=/path (or
# model.pretrained=None to train from scratch).
# Matches: configs/002_transfer/light_m-v3-small_1xb32-100e_oxford-pet-binary-224x224.py
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/datasets/oxford_pet.py',
    '../_base_/schedules/schedule_adam-plateau-valloss_100e.py',  # + runtime, epoch hooks
]
compared_with = 'configs/002_transfer/light_m-v3-small_1xb32-100e_oxford-pet-binary-224x224.py'
num_classes = 2
# Study 002's loss: mmseg's CE with its defaults, as the study's head has it.
ce_loss = dict(type='CrossEntropyLoss')
norm_cfg = dict(type='BN', requires_grad=True)  # one process: no SyncBN
model = dict(
    data_preprocessor=dict(size=(224, 224)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                     loss_decode=dict(_delete_=True, **ce_loss)),
    auxiliary_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                        loss_decode=dict(_delete_=True, **ce_loss, loss_weight=0.4)))
train_dataloader = dict(batch_size=32)
