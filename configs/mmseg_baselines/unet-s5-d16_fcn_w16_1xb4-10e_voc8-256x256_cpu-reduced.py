# MMSeg's UNet-S5-D16 + FCN at study 000's reduced budget; matches
# configs/000_voc8-unet/unet_plain-w16_1xb4-10e_voc8-256x256_cpu-reduced.py (the recorded reduced
# runs): width 16 (base_channels 16 instead of mmseg's 64, as the study's reduced U-Net), VOC-8 at
# 256x256 with the §4.2 augmentation, log-frequency CE (configs/_base_/losses/, the study's own
# loss file), AdamW 2e-4 constant, 10 epochs, batch 4, seed 42, batch-averaged validation. MMSeg's
# auxiliary FCN head (weight 0.4) is kept: it is part of MMSeg's model.
_base_ = ['./unet-s5-d16_fcn_1xb4-30e_voc8-256x256.py']
compared_with = 'configs/000_voc8-unet/unet_plain-w16_1xb4-10e_voc8-256x256_cpu-reduced.py'
model = dict(
    backbone=dict(base_channels=16),
    decode_head=dict(in_channels=16, channels=16),
    auxiliary_head=dict(in_channels=32, channels=16))
train_cfg = dict(max_epochs=10)

# Pinned as recorded: bf16 autocast (fp32 parity: docs/benchmarks.md), NCHW as MMSeg ships it;
# the fused optimizer kernel where torch has one.
optim_wrapper = dict(type='CPUAwareAmpOptimWrapper')
