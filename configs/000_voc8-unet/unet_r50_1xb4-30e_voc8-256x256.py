# Study 000 (../shared/papers/000_*.txt). ResNet-50 U-Net (study 000 §3.2): ImageNet ResNet-50
# encoder (S0 stem + S1..S4), the same U-Net decoder. Weights: torchvision://resnet50
# (downloaded by torchvision); offline, --cfg-options
# model.backbone.init_cfg.checkpoint=/path/to/resnet50-0676ba61.pth VOC-8 at 256x256 with the
# §4.2 augmentation, log inverse-frequency weighted CE (§3.3), AdamW 2e-4 / wd 1e-4, constant
# LR, batch 4, 30 epochs, seed 42. AMP: `--amp` on a GPU.
_base_ = [
    '../_base_/models/unet_r50.py',
    '../_base_/datasets/voc8.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adamw-const_30e.py',
    '../_base_/losses/log-frequency-ce_voc8.py',
]
num_classes = 8
model = dict(
    decode_head=dict(
        num_classes=num_classes,
        loss_decode=_base_.log_frequency_ce_loss))
train_dataloader = dict(batch_size=4)
# §4.5: mIoU per validation mini-batch, averaged over batches (the paper's protocol), next to
# the standard dataset-level mIoU.
val_dataloader = dict(batch_size=4)
test_dataloader = val_dataloader
val_evaluator = dict(type='DetailedIoUMetric', batch_averaged=True, per_image=True)
test_evaluator = val_evaluator
