# MMSeg's UNet-S5-D16 + FCN at study 004's reduced budget; matches
# configs/004_loss-weighting/attention-unet_w16_1xb4-equal-40e_camvid-180x240_cpu-reduced.py: width
# 16 (base_channels 16, the reduced Attention U-Net's), CamVid at half resolution (180x240;
# metrics on the 360x480 labels), 40 epochs validated every second one, bf16 autocast, and the
# full protocol's loss, class weights, augmentation, AdamW, StepLR, batch 4, grad clip and
# seed. 180 is not a multiple of 16: inputs are padded to 192x240 and the prediction cropped
# back.
_base_ = ['./unet-s5-d16_fcn_1xb4-equal-20e_camvid-360x480.py']
compared_with = ('configs/004_loss-weighting/'
                 'attention-unet_w16_1xb4-equal-40e_camvid-180x240_cpu-reduced.py')
model = dict(
    backbone=dict(base_channels=16),
    decode_head=dict(in_channels=16, channels=16),
    auxiliary_head=dict(in_channels=32, channels=16))
half_res = dict(type='Resize', scale=(240, 180), keep_ratio=True)
train_dataloader = dict(
    dataset=dict(pipeline=_base_.train_pipeline[:2] + [half_res] + _base_.train_pipeline[2:]))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.test_pipeline[:1] + [half_res] + _base_.test_pipeline[1:]))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=40, val_interval=2)

# Pinned as recorded: bf16 autocast on CPU, NCHW as MMSeg ships it;
# the fused optimizer kernel where torch has one.
optim_wrapper = dict(type='CPUAwareAmpOptimWrapper')
