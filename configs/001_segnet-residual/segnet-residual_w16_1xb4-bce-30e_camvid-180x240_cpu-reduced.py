# Reduced-budget (2 CPU cores) protocol of segnet-residual_1xb4-bce-210e_camvid-360x480.py
# (projects/001_segnet-residual/README.md): a quarter of the width (16/32/64 instead of
# 64/128/256), half the resolution, 30 epochs instead of 210. Same depth, fusion, loss
# (balanced CE), optimizer (SGD 0.1, momentum 0.9), batch 4 and seed as the full protocol.
_base_ = ['./segnet-residual_1xb4-bce-210e_camvid-360x480.py']
model = dict(
    memory_format='channels_last',
    backbone=dict(arch=dict(_delete_=True, stage_channels=(16, 32, 64), num_convs=(2, 2, 3),
                            kernel_size=3)),
    decode_head=dict(in_channels=(16, 32, 64), channels=16))
train_cfg = dict(max_epochs=30, val_interval=5)
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
