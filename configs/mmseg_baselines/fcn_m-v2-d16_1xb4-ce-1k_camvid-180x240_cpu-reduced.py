# MMSeg's FCN at study 003's reduced budget; matches
# configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-ce-1k_camvid-180x240_cpu-reduced.py (the recorded CE
# arm): the ImageNet MobileNetV2 at output stride 16 as the study's reduced runs (mmseg's own
# MobileNetV2 FCN recipe swaps the backbone the same way), CamVid at half resolution, CE, SGD
# 0.01 poly over 1k iterations, batch 4, seed 42. MMSeg's FCN head (dropout 0.1) and its
# auxiliary head (on the 96-channel stage) are kept. ImageNet weights:
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/pretrained/mobilenet_v2_mmseg.pth
_base_ = ['./fcn_r50-d8_1xb4-ce-20k_camvid-360x480.py']
compared_with = 'configs/003_cdfl/fcn_m-v2-d16-dropout_1xb4-ce-1k_camvid-180x240_cpu-reduced.py'
model = dict(
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.,
        strides=(1, 2, 2, 2, 1, 1, 1),
        dilations=(1, 1, 1, 1, 1, 2, 2),
        out_indices=(1, 2, 4, 6),
        norm_cfg=dict(type='BN', requires_grad=True),
        init_cfg=dict(type='Pretrained', checkpoint='mmcls://mobilenet_v2')),
    decode_head=dict(in_channels=320, channels=128),
    auxiliary_head=dict(in_channels=96, channels=64))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=1000, by_epoch=False)]
train_cfg = dict(max_iters=1000, val_interval=250)
default_hooks = dict(checkpoint=dict(interval=250))
half_res = dict(type='Resize', scale=(240, 180), keep_ratio=True)
train_dataloader = dict(
    dataset=dict(pipeline=_base_.train_pipeline[:2] + [half_res] + _base_.train_pipeline[2:]))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.test_pipeline[:1] + [half_res] + _base_.test_pipeline[1:]))
test_dataloader = val_dataloader

# Pinned as recorded: fp32 (--amp: bf16), NCHW as MMSeg ships it;
# the fused optimizer kernel where torch has one.
optim_wrapper = dict(type='OptimWrapper')
