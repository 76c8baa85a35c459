# Study 003 on CamVid: the omega = 0.01 arm,
# fcn_r50-d8-dropout_1xb4-cdfl-0.01-20k_camvid-360x480.py, with CDFL = CE + 0.001*DF
# (eq. 4-6); all else (T = 5, gamma 2, alpha 0.75) as that config.
_base_ = ['./fcn_r50-d8-dropout_1xb4-cdfl-0.01-20k_camvid-360x480.py']
model = dict(decode_head=dict(loss_decode=dict(omega=0.001)))
