# Study 002 §6 (../shared/papers/002_*.txt): the multi-task model. MobileNetV3-Large encoder
# (ImageNet init), the light decoder for the binary pet mask (as the §5 segmentation configs),
# GAP + two FC blocks shared by the breed label (37, softmax, sparse CE) and the head box
# (4 sigmoid units, MAE); the three losses summed. Adam 1e-3, ReduceLROnPlateau and early
# stopping on val_loss (the sum of the three losses on the val split: MultiTaskValLossHook),
# batch 32, 224x224 as light_m-v3-small_1xb32-100e_oxford-pet-binary-224x224.py.
# Single-task counterparts: light_m-v3-large_*-binary-224x224.py (mask only) and
# cls-box_m-v3-large_*.py (label + box only).
_base_ = [
    '../_base_/models/mobilenetv3_light_multitask.py',
    '../_base_/datasets/oxford_pet_multitask.py',
    '../_base_/schedules/schedule_adam-plateau-valloss_100e.py',  # + runtime, epoch hooks
]
num_classes = 2
# mmpretrain's ImageNet MobileNetV3-Large (standard URI; offline, download it elsewhere and pass
# --cfg-options model.backbone.init_cfg.checkpoint=<file>).
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained', prefix='backbone.',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/mobilenet_v3/'
        'mobilenet-v3-large_8xb128_in1k_20221114-0ed9ed9a.pth')),
    decode_head=dict(num_classes=num_classes))
train_dataloader = dict(batch_size=32)
# The multi-task val_loss: the sum of the three losses on the val split.
custom_hooks = [
    dict(type='MultiTaskValLossHook') if h['type'] == 'ValLossHook' else h
    for h in _base_.custom_hooks
]
