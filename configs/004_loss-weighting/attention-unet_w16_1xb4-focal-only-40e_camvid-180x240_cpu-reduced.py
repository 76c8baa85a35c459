# Reduced-budget (2 CPU cores) protocol of attention-unet_1xb4-focal-only-20e_camvid-360x480.py
# (projects/004_loss-weighting/README.md): the reduced 'equal' config,
# attention-unet_w16_1xb4-equal-40e_camvid-180x240_cpu-reduced.py,
# with the 'focal_only' weights of Table II.
_base_ = ['./attention-unet_w16_1xb4-equal-40e_camvid-180x240_cpu-reduced.py']
model = dict(decode_head=dict(loss_decode=dict(preset='focal_only')))
