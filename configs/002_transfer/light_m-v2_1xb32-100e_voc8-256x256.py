# Mask-only counterpart of multitask_m-v2_1xb32-100e_voc8-256x256.py: the same encoder,
# decoder, data, augmentation, optimiser and callbacks (val_loss = the mask CE), without the
# image-level heads.
_base_ = [
    '../_base_/models/mobilenetv2_light.py',
    '../_base_/datasets/voc8.py',
    '../_base_/schedules/schedule_adam-plateau-valloss_100e.py',  # + runtime, epoch hooks
]
num_classes = 8
model = dict(decode_head=dict(num_classes=num_classes))
train_dataloader = dict(batch_size=32)
