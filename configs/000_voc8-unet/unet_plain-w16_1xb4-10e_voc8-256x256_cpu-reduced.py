# Reduced-budget (2 CPU cores) protocol of unet_plain-w64_1xb4-30e_voc8-256x256.py: width 16
# instead of 64 (1/16 of the FLOPs) and 10 epochs instead of 30; all else unchanged.
_base_ = ['./unet_plain-w64_1xb4-30e_voc8-256x256.py']
model = dict(
    memory_format='channels_last',
    backbone=dict(base_channels=16),
    decode_head=dict(in_channels=[16, 32, 64, 128, 256], channels=16))
train_cfg = dict(max_epochs=10)

# How the recorded runs of this protocol train (pinned here, not left to defaults):
# bf16 autocast on CPU (fp16 with a loss scaler on a GPU), losses and metrics in fp32;
# accuracy parity with fp32 over 3 seeds: docs/benchmarks.md.
# channels-last memory (model.memory_format). The optimizer takes torch's fused kernel where
# the installed torch has one (FusedOptimWrapperConstructor; `fused=False` for the loop).
optim_wrapper = dict(type='CPUAwareAmpOptimWrapper')
