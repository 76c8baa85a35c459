# Benchmark: seglab's ResNet-50 U-Net at SMP's decoder widths (UpBlocks 256/128/64/32
# from 1/16 to 1/2, as segmentation_models_pytorch's Unet('resnet50') decoder_channels
# 256-128-64-32-16, whose fifth, skip-less 16-channel block at full resolution has no
# counterpart here): the same work as smp-unet-r50_8cls-256x256.py to within 4 % of its FLOPs,
# to compare implementations rather than decoder widths. The study's default
# (unet-r50_8cls-256x256.py) is 64/128/256/256 (finest first).
_base_ = ['./unet-r50_8cls-256x256.py']
model = dict(decode_head=dict(channels=32, decoder_channels=[32, 64, 128, 256]))
