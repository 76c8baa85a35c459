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
    '../_base_/schedules/schedule_adam-plateau-valloss_100e.py',  # + runtime, epoch hooks
]
num_classes = 11
model = dict(decode_head=dict(num_classes=num_classes))
train_dataloader = dict(batch_size=32)
