# Study 000 (../shared/papers/000_*.txt). MobileNetV2 U-Net from scratch: the pretrained
# config with the ImageNet encoder initialisation removed (the only difference within the pair).
_base_ = ['./unet_m-v2_1xb4-30e_voc8-256x256.py']
model = dict(backbone=dict(init_cfg=None))
