# Reduced-budget (2 CPU cores) protocol of light_m-v2_1xb32-100e_camvid-360x480.py
# (projects/002_transfer/README.md): half the resolution and 12 epochs (144 iterations; the
# study's early stopping, patience 20, cannot trigger at this budget; the plateau LR can).
# Encoder, decoder, loss, Adam 1e-3, plateau LR, batch 32 and seed as the full protocol.
# ImageNet weights: pass
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/pretrained/mobilenet_v2_mmseg.pth
_base_ = ['./light_m-v2_1xb32-100e_camvid-360x480.py']
train_cfg = dict(max_epochs=12)
# Half resolution (180x240): training resizes image and labels; validation resizes the image
# only and mmseg resizes the prediction back, so metrics are on the 360x480 labels.
half_res = dict(type='Resize', scale=(240, 180), keep_ratio=True)
train_dataloader = dict(
    dataset=dict(pipeline=_base_.train_pipeline[:2] + [half_res] + _base_.train_pipeline[2:]))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.test_pipeline[:1] + [half_res] + _base_.test_pipeline[1:]))
test_dataloader = val_dataloader

# Pinned as recorded: bf16 autocast (fp32 parity: docs/benchmarks.md), channels-last;
# the fused optimizer kernel where torch has one.
optim_wrapper = dict(type='CPUAwareAmpOptimWrapper')
model = dict(memory_format='channels_last')
