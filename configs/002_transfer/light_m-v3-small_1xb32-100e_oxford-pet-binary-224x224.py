# Study 002 §5 (../shared/papers/002_*.txt): MobileNetV3-Small encoder (ImageNet init) + the
# light decoder (four x2 upsample + 3x3 conv 256/128/64/32, last x2 upsample, 1x1 conv),
# Oxford-IIIT Pet binary masks (pet / background, border ignored), batch 32, Adam 1e-3,
# ReduceLROnPlateau (x0.5, patience 2, min 1e-6) and early stopping (patience 20). Input size
# not stated: 224.
_base_ = [
    '../_base_/models/mobilenetv3_light.py',
    '../_base_/datasets/oxford_pet.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adam-plateau_100e.py',
]
num_classes = 2
# mmpretrain's ImageNet MobileNetV3-Small (standard URI; offline, download it elsewhere and pass
# --cfg-options model.backbone.init_cfg.checkpoint=<file>).
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained', prefix='backbone.',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/mobilenet_v3/'
        'mobilenet-v3-small_8xb128_in1k_20221114-bd1bfcde.pth')),
    decode_head=dict(num_classes=num_classes))
train_dataloader = dict(batch_size=32)

# §5.2: ReduceLROnPlateau (schedule) and EarlyStopping(patience=20) monitor val_loss, the
# decode head's loss on the val split that ValLossHook adds to the validation metrics.
# min_delta 1e-6 = Keras' "strictly better" rule (mmengine's default 0.1 would ignore small
# gains; 0 would count ties as improvements). The mIoU variant: *_miou-monitor.py.
custom_hooks = _base_.custom_hooks + [
    dict(type='ValLossHook'),
    dict(type='ResumableEarlyStoppingHook', monitor='val_loss', rule='less', patience=20,
         min_delta=1e-6)
]
param_scheduler = [dict(_base_.param_scheduler[0], monitor='val_loss', rule='less')]

# Epoch-based loop: log and checkpoint by epoch; the last checkpoint is the reported one.
default_hooks = dict(
    logger=dict(interval=10, log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=1, max_keep_ckpts=1, save_last=True))
log_processor = dict(by_epoch=True)
