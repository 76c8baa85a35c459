# Reduced-budget (2 CPU cores) protocol of unet_plain-w64_1xb4-30e_voc8-256x256.py: width 16
# instead of 64 (1/16 of the FLOPs) and 10 epochs instead of 30; all else unchanged.
_base_ = ['./unet_plain-w64_1xb4-30e_voc8-256x256.py']
model = dict(
    memory_format='channels_last',
    backbone=dict(base_channels=16),
    decode_head=dict(in_channels=[16, 32, 64, 128, 256], channels=16))
train_cfg = dict(max_epochs=10)

# Pinned as recorded: bf16 autocast (fp32 parity: docs/benchmarks.md), channels-last;
# the fused optimizer kernel where torch has one.
optim_wrapper = dict(type='CPUAwareAmpOptimWrapper')
