# MMSeg's FCN on the ImageNet MobileNetV2 (output stride 32) at study 002's reduced budget;
# matches 002_transfer/light_m-v2_1xb32-12e_camvid-180x240_cpu-reduced.py (the pretrained arm):
# CamVid at half resolution (180x240; metrics on the 360x480 labels), 12 epochs, and the full
# protocol's CE, Adam, plateau LR and early stopping on val_loss, batch 32 and seed. ImageNet
# weights:
#   --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/pretrained/mobilenet_v2_mmseg.pth
_base_ = ['./fcn_m-v2-d32_1xb32-100e_camvid-360x480.py']
compared_with = 'configs/002_transfer/light_m-v2_1xb32-12e_camvid-180x240_cpu-reduced.py'
train_cfg = dict(max_epochs=12)
half_res = dict(type='Resize', scale=(240, 180), keep_ratio=True)
train_dataloader = dict(
    dataset=dict(pipeline=_base_.train_pipeline[:2] + [half_res] + _base_.train_pipeline[2:]))
val_dataloader = dict(
    dataset=dict(pipeline=_base_.test_pipeline[:1] + [half_res] + _base_.test_pipeline[1:]))
test_dataloader = val_dataloader

# Pinned as recorded: bf16 autocast (fp32 parity: docs/benchmarks.md), NCHW as MMSeg ships it;
# the fused optimizer kernel where torch has one.
optim_wrapper = dict(type='CPUAwareAmpOptimWrapper')
