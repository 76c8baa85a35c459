# Attention U-Net (Oktay et al. 2018) as study 004 §III.B: the plain U-Net of unet.py with an
# additive attention gate on every skip (AttentionUNetHead). ~31.4 M parameters in the study;
# measured in docs/models.md.
_base_ = ['./unet.py']
model = dict(decode_head=dict(type='AttentionUNetHead', inter_channels_ratio=0.5))
