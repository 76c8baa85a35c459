# MMSeg's UNet-S5-D16 + FCN at study 001's reduced budget; matches
# configs/001_segnet-residual/segnet_w16_1xb4-bce-30e_camvid-180x240_cpu-reduced.py and its
# SegNet-residual sibling: width 16 (base_channels 16, the reduced SegNets' first stage), CamVid
# at half resolution (180x240; metrics on the 360x480 labels), balanced CE with Road as the
# negative class (configs/_base_/losses/balanced-ce_camvid.py, the study's own loss file), SGD 0.1,
# 30 epochs, batch 4, seed 42. 180 is not a multiple of 16: inputs are padded to 192x240 and the
# prediction cropped back (mmseg's data preprocessor and EncoderDecoder.postprocess_result).
_base_ = ['./unet-s5-d16_fcn_1xb4-210e_camvid-360x480.py']
compared_with = 'configs/001_segnet-residual/segnet_w16_1xb4-bce-30e_camvid-180x240_cpu-reduced.py'
model = dict(
    backbone=dict(base_channels=16),
    decode_head=dict(in_channels=16, channels=16),
    auxiliary_head=dict(in_channels=32, channels=16))
train_cfg = dict(max_epochs=30, val_interval=5)
half_res = dict(type='Resize', scale=(240, 180), keep_ratio=True)
train_dataloader = dict(
    dataset=dict(pipeline=_base_.train_pipeline[:2] + [half_res] + _base_.train_pipeline[2:]))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.test_pipeline[:1] + [half_res] + _base_.test_pipeline[1:]))
test_dataloader = val_dataloader

# Pinned as recorded: fp32 (--amp: bf16), NCHW as MMSeg ships it;
# the fused optimizer kernel where torch has one.
optim_wrapper = dict(type='OptimWrapper')
