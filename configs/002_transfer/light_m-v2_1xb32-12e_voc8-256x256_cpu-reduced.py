# Reduced-budget (2 CPU cores) protocol of light_m-v2_1xb32-100e_voc8-256x256.py: 12 epochs (early
# stopping, patience 20, cannot trigger; the plateau LR can). Everything else unchanged. With
# the ImageNet weights converted from ../shared (docs/models.md):
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/pretrained/mobilenet_v2_mmseg.pth
_base_ = ['./light_m-v2_1xb32-100e_voc8-256x256.py']
train_cfg = dict(max_epochs=12)

# Pinned as recorded: bf16 autocast (fp32 parity: docs/benchmarks.md), channels-last;
# the fused optimizer kernel where torch has one.
optim_wrapper = dict(type='CPUAwareAmpOptimWrapper')
model = dict(memory_format='channels_last')
