# Mask-only counterpart of multitask_m-v2_1xb32-100e_voc8-256x256.py: the same encoder,
# decoder, data, augmentation, optimiser and callbacks (val_loss = the mask CE), without the
# image-level heads.
_base_ = [
    '../_base_/models/mobilenetv2_light.py',
    '../_base_/datasets/voc8.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adam-plateau_100e.py',
]
num_classes = 8
model = dict(decode_head=dict(num_classes=num_classes))
train_dataloader = dict(batch_size=32)

custom_hooks = _base_.custom_hooks + [
    dict(type='ValLossHook'),
    dict(type='ResumableEarlyStoppingHook', monitor='val_loss', rule='less', patience=20,
         min_delta=1e-6)
]
param_scheduler = [dict(_base_.param_scheduler[0], monitor='val_loss', rule='less')]

default_hooks = dict(
    logger=dict(interval=10, log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=1, max_keep_ckpts=1, save_last=True))
log_processor = dict(by_epoch=True)
