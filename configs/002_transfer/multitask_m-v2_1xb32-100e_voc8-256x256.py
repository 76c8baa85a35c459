# Study 002 §6's multi-task model on the VOC-8 subset (study 000's classes, here on the shared
# VOC data): MobileNetV2 ImageNet encoder, light decoder for the 8-class mask, GAP + two FC
# blocks shared by a multi-label presence head (8 sigmoid units, BCE) and the box of the
# largest object (MAE), both derived from the mask after the augmentation; losses summed.
# Study 002's optimiser and callbacks (Adam 1e-3, plateau LR and early stopping on val_loss),
# batch 32, study 000's 256x256 augmentation. Mask-only counterpart:
# light_m-v2_1xb32-100e_voc8-256x256.py. Convert the ImageNet weights once (docs/models.md):
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/pretrained/mobilenet_v2_mmseg.pth
_base_ = [
    '../_base_/models/mobilenetv2_light_multitask.py',
    '../_base_/datasets/voc8_multitask.py',
    '../_base_/schedules/schedule_adam-plateau-valloss_100e.py',  # + runtime, epoch hooks
]
num_classes = 8
model = dict(decode_head=dict(num_classes=num_classes))
train_dataloader = dict(batch_size=32)
# The multi-task val_loss: the sum of the three losses on the val split.
custom_hooks = [
    dict(type='MultiTaskValLossHook') if h['type'] == 'ValLossHook' else h
    for h in _base_.custom_hooks
]
