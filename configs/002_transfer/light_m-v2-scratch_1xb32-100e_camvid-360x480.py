# Study 002's scratch arm on CamVid: the same MobileNetV2 + light decoder, random init.
_base_ = ['./light_m-v2_1xb32-100e_camvid-360x480.py']
model = dict(backbone=dict(init_cfg=None))
