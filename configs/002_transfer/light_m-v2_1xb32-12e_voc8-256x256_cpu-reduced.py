# Reduced-budget (2 CPU cores) protocol of light_m-v2_1xb32-100e_voc8-256x256.py: 12 epochs (early
# stopping, patience 20, cannot trigger; the plateau LR can). Everything else unchanged. With
# the ImageNet weights converted from ../shared (docs/models.md):
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/pretrained/mobilenet_v2_mmseg.pth
_base_ = ['./light_m-v2_1xb32-100e_voc8-256x256.py']
train_cfg = dict(max_epochs=12)

# How the recorded runs of this protocol train (pinned here, not left to defaults):
# bf16 autocast on CPU (fp16 with a loss scaler on a GPU), losses and metrics in fp32;
# accuracy parity with fp32 over 3 seeds: docs/benchmarks.md.
# channels-last memory (model.memory_format). The optimizer takes torch's fused kernel where
# the installed torch has one (FusedOptimWrapperConstructor; `fused=False` for the loop).
optim_wrapper = dict(type='CPUAwareAmpOptimWrapper')
model = dict(memory_format='channels_last')
