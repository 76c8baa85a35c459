# SegNet with the 13-conv VGG16-BN encoder and its mirrored decoder (Badrinarayanan et al. 2017,
# §3; ~29.4 M parameters): 5 max-pools to H/32, max-unpooling with the stored indices, a 3x3
# classifier as SegNet's conv1_1_D. Trained from scratch here (no VGG16 ImageNet weights).
_base_ = ['./segnet.py']
model = dict(
    backbone=dict(arch='vgg16_bn', num_stages=None),
    decode_head=dict(in_channels=(64, 128, 256, 512, 512), num_convs=(1, 2, 3, 3, 3)))
