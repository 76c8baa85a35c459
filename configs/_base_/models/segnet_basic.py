# SegNet-Basic (Badrinarayanan et al. 2017, §4.1): 4 encoders and 4 decoders of one 7x7 conv with
# 64 channels + BN, no ReLU in the decoder, a 1x1 classifier (~1.4 M parameters).
_base_ = ['./segnet.py']
model = dict(
    backbone=dict(arch='basic', num_stages=None),
    decode_head=dict(
        in_channels=(64, 64, 64, 64),
        num_convs=(1, 1, 1, 1),
        kernel_size=7,
        seg_kernel_size=1,
        act_cfg=None))
