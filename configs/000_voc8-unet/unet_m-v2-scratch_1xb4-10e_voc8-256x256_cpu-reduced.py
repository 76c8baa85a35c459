# Reduced-budget (2 CPU cores) protocol of unet_m-v2-scratch_1xb4-30e_voc8-256x256.py: 10 epochs
# instead of 30 (projects/000_voc8-unet/README.md). Random init: the scratch side of the
# MobileNetV2 pair.
# Everything else (data, 256x256, augmentation, loss, optimizer, batch 4, seed) is unchanged.
_base_ = ['./unet_m-v2-scratch_1xb4-30e_voc8-256x256.py']
train_cfg = dict(max_epochs=10)

# How the recorded runs of this protocol train (pinned here, not left to defaults):
# bf16 autocast on CPU (fp16 with a loss scaler on a GPU), losses and metrics in fp32;
# accuracy parity with fp32 over 3 seeds: docs/benchmarks.md.
# channels-last memory (model.memory_format). The optimizer takes torch's fused kernel where
# the installed torch has one (FusedOptimWrapperConstructor; `fused=False` for the loop).
optim_wrapper = dict(type='CPUAwareAmpOptimWrapper')
model = dict(memory_format='channels_last')
