# MMSeg's UNet-S5-D16 + FCN with study 004's CamVid protocol and the 'focal_only' preset; matches
# configs/004_loss-weighting/attention-unet_1xb4-focal-only-20e_camvid-360x480.py (all else as the
# 'equal' baseline it inherits).
_base_ = ['./unet-s5-d16_fcn_1xb4-equal-20e_camvid-360x480.py']
compared_with = 'configs/004_loss-weighting/attention-unet_1xb4-focal-only-20e_camvid-360x480.py'
model = dict(decode_head=dict(loss_decode=dict(preset='focal_only')),
             auxiliary_head=dict(loss_decode=dict(preset='focal_only')))
