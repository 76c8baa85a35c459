# unet-s5-d16_fcn_w16_1xb4-dice-dominant-40e_camvid-180x240_cpu-reduced.py for 60 epochs; matches
# configs/004_loss-weighting/attention-unet_w16_1xb4-dice-dominant-60e_camvid-180x240_cpu-reduced.py
_base_ = ['./unet-s5-d16_fcn_w16_1xb4-dice-dominant-40e_camvid-180x240_cpu-reduced.py']
compared_with = ('configs/004_loss-weighting/'
                 'attention-unet_w16_1xb4-dice-dominant-60e_camvid-180x240_cpu-reduced.py')
train_cfg = dict(max_epochs=60)
