# Study 002's protocol on data and weights we have: MobileNetV2 (ImageNet init) + the study's
# light decoder on CamVid (11 classes); batch 32, Adam 1e-3, ReduceLROnPlateau (x0.5,
# patience 2, min 1e-6), early stopping (patience 20).
# The encoder keeps mmseg's standard URI (mmcls://mobilenet_v2); offline, convert the ImageNet
# weights of ../shared/weights once and point at the file (docs/models.md):
#   python tools/model_converters/mobilenet_v2_to_mmseg.py \
#       ../shared/weights/mobilenet_v2_imagenet.pt work_dirs/pretrained/mobilenet_v2_mmseg.pth
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/pretrained/mobilenet_v2_mmseg.pth
_base_ = [
    '../_base_/models/mobilenetv2_light.py',
    '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adam-plateau_100e.py',
]
num_classes = 11
model = dict(decode_head=dict(num_classes=num_classes))
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
