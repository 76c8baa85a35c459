# Study 000 (../shared/papers/000_*.txt). Baseline U-Net trained from scratch (study 000 §3.1):
# VGG-style encoder, 4 stages 64->512 channels + 1024-channel bottleneck at 1/16, PyTorch
# default initialisation. VOC-8 at 256x256 with the §4.2 augmentation, log inverse-frequency
# weighted CE (§3.3), AdamW 2e-4 / wd 1e-4, constant LR, batch 4, 30 epochs, seed 42. AMP:
# `--amp` on a GPU.
_base_ = [
    '../_base_/models/unet.py',
    '../_base_/datasets/voc8.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adamw-const_30e.py',
]
num_classes = 8
# f_c of eq. 2: pixel frequency of each VOC-8 class (background, person, car, dog, cat,
# motorbike, train, bus) in the training split as the pipeline loads it, from
# measured on the 205 kept images of ../shared's VOC subset
# (configs/_base_/class_frequency/voc8_train.json, tools/analysis_tools/class_frequency.py).
# On the full VOC 2012 train split, re-run the tool and paste its `frequency`.
voc8_class_frequency = [
    0.7520, 0.0998, 0.0177, 0.0193,
    0.0378, 0.0229, 0.0217, 0.0288,
]
model = dict(
    decode_head=dict(
        num_classes=num_classes,
        loss_decode=dict(type='LogFrequencyCELoss', class_frequency=voc8_class_frequency)))
train_dataloader = dict(batch_size=4)
# §4.5: mIoU per validation mini-batch, averaged over batches (the paper's protocol), next to
# the standard dataset-level mIoU.
val_dataloader = dict(batch_size=4)
test_dataloader = val_dataloader
val_evaluator = dict(type='DetailedIoUMetric', batch_averaged=True, per_image=True)
test_evaluator = val_evaluator

# Epoch-based loop: log and checkpoint by epoch; the last checkpoint is the reported one.
default_hooks = dict(
    logger=dict(interval=10, log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=1, max_keep_ckpts=1, save_last=True))
log_processor = dict(by_epoch=True)
