# MMSeg's UNet-S5-D16 + FCN at study 004's reduced budget with the 'focal_only' preset; matches
# configs/004_loss-weighting/attention-unet_w16_1xb4-focal-only-40e_camvid-180x240_cpu-reduced.py
# (all else as the reduced 'equal' baseline it inherits).
_base_ = ['./unet-s5-d16_fcn_w16_1xb4-equal-40e_camvid-180x240_cpu-reduced.py']
compared_with = ('configs/004_loss-weighting/'
                 'attention-unet_w16_1xb4-focal-only-40e_camvid-180x240_cpu-reduced.py')
model = dict(decode_head=dict(loss_decode=dict(preset='focal_only')),
             auxiliary_head=dict(loss_decode=dict(preset='focal_only')))
