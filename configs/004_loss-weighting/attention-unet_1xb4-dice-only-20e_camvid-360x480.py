# Study 004: attention-unet_1xb4-equal-20e_camvid-360x480.py
# with the 'dice_only' weights of Table II for w_c*CE + w_d*Dice + w_f*Focal.
_base_ = ['./attention-unet_1xb4-equal-20e_camvid-360x480.py']
model = dict(decode_head=dict(loss_decode=dict(preset='dice_only')))
