# fcn_m-v2-d32_1xb32-12e_camvid-180x240_cpu-reduced.py for 24 epochs; matches
# 002_transfer/light_m-v2_1xb32-24e_camvid-180x240_cpu-reduced.py (the lengthened pretrained arm).
_base_ = ['./fcn_m-v2-d32_1xb32-12e_camvid-180x240_cpu-reduced.py']
compared_with = 'configs/002_transfer/light_m-v2_1xb32-24e_camvid-180x240_cpu-reduced.py'
train_cfg = dict(max_epochs=24)
