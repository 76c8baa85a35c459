# Reduced-budget (2 CPU cores) protocol of unet_m-v2_1xb4-30e_voc8-256x256.py: 10 epochs instead
# of 30, and the local ImageNet MobileNetV2 weights converted from ../shared
# (projects/000_voc8-unet/README.md).
# Everything else (data, 256x256, augmentation, loss, optimizer, batch 4, seed) is unchanged.
_base_ = ['./unet_m-v2_1xb4-30e_voc8-256x256.py']
train_cfg = dict(max_epochs=10)

# Pinned as recorded: bf16 autocast (fp32 parity: docs/benchmarks.md), channels-last;
# the fused optimizer kernel where torch has one.
optim_wrapper = dict(type='CPUAwareAmpOptimWrapper')
model = dict(memory_format='channels_last')
