# Reduced-budget (2 CPU cores) protocol of
# fcn_r50-d8-dropout_1xb4-cdfl-1000-20k_camvid-360x480.py:
# the reduced omega = 0.01 config (MobileNetV2 encoder, half resolution, 1k iterations) with
# CDFL = CE + 1000*DF, the omega at which DF measurably changes the gradient
# (projects/003_cdfl/README.md).
_base_ = ['./fcn_m-v2-d16-dropout_1xb4-cdfl-0.01-1k_camvid-180x240_cpu-reduced.py']
model = dict(decode_head=dict(loss_decode=dict(omega=1000.0)))
