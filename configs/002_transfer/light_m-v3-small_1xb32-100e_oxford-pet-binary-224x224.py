# Study 002 §5 (../shared/papers/002_*.txt): MobileNetV3-Small encoder (ImageNet init) + the
# light decoder (four x2 upsample + 3x3 conv 256/128/64/32, last x2 upsample, 1x1 conv),
# Oxford-IIIT Pet binary masks (pet / background, border ignored), batch 32, Adam 1e-3,
# ReduceLROnPlateau (x0.5, patience 2, min 1e-6) and early stopping (patience 20). Input size
# not stated: 224.
_base_ = [
    '../_base_/models/mobilenetv3_light.py',
    '../_base_/datasets/oxford_pet.py',
    '../_base_/schedules/schedule_adam-plateau-valloss_100e.py',  # + runtime, epoch hooks
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
