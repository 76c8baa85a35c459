# Reduced-budget (2 CPU cores) protocol of fcn_r50-d8-dropout_1xb4-ce-20k_camvid-360x480.py
# (projects/003_cdfl/README.md): the ImageNet MobileNetV2 of ../shared/weights (output stride 16)
# instead of ResNet-50-D8 (no ResNet-50 weights here, and D8 is too slow on 2 cores), half the
# resolution, 1k iterations instead of 20k (poly decay over 1k). Same FCN head with dropout 0.5,
# MC-dropout head, loss, SGD 0.01, batch 4 and seed as the full protocol. ImageNet weights:
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/pretrained/mobilenet_v2_mmseg.pth
_base_ = ['./fcn_r50-d8-dropout_1xb4-ce-20k_camvid-360x480.py']
model = dict(
    memory_format='channels_last',
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.,
        strides=(1, 2, 2, 2, 1, 1, 1),
        dilations=(1, 1, 1, 1, 1, 2, 2),
        out_indices=(1, 2, 4, 6),  # a tuple out (one index returns a bare tensor)
        norm_cfg=dict(type='BN', requires_grad=True),
        init_cfg=dict(type='Pretrained', checkpoint='mmcls://mobilenet_v2')),
    decode_head=dict(in_channels=320, in_index=3, channels=128))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=1000, by_epoch=False)
]
train_cfg = dict(max_iters=1000, val_interval=250)
default_hooks = dict(checkpoint=dict(interval=250))
# Half resolution (180x240): training resizes image and labels; validation resizes the image
# only and mmseg resizes the prediction back, so metrics are on the 360x480 labels.
half_res = dict(type='Resize', scale=(240, 180), keep_ratio=True)
train_dataloader = dict(
    dataset=dict(pipeline=_base_.train_pipeline[:2] + [half_res] + _base_.train_pipeline[2:]))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.test_pipeline[:1] + [half_res] + _base_.test_pipeline[1:]))
test_dataloader = val_dataloader

# Pinned as recorded: fp32 (--amp: bf16), channels-last; fused optimizer where torch has one.
optim_wrapper = dict(type='OptimWrapper')
