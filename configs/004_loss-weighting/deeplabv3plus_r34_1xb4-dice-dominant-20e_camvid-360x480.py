# Study 004 (../shared/papers/004_*.txt): DeepLabV3+ with an ImageNet ResNet-34 (§III.C),
# cross-architecture check; combined loss w_c*CE + w_d*Dice + w_f*Focal with the 'dice_dominant'
# weights of Table II. Data: CamVid 11 classes, runnable here. AdamW 1e-4 / wd 1e-4, StepLR(20,
# 0.5), 20 epochs, batch 4, grad clip 1.0, seed 42. AMP: `--amp` on a GPU.
_base_ = [
    '../_base_/models/deeplabv3plus_r34.py',
    '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adamw-step_20e.py',
]
num_classes = 11
# Table I's class-weighted CE: median-frequency weights of the CamVid train split
# (configs/_base_/datasets/camvid.py; projects/004_loss-weighting/README.md says why).
model = dict(
    decode_head=dict(
        num_classes=num_classes,
        loss_decode=dict(type='CombinedLoss', preset='dice_dominant',
                         class_weight=_base_.camvid_median_frequency_weights)))
# §III.A augmentation, as the Cityscapes configs: flip 0.5 (CamVid base), then brightness and
# contrast ±20 % and "colour jitter ±10 %" read as saturation ±0.10 (no hue).
train_pipeline = _base_.train_pipeline[:-1] + [
    dict(type='SegColorJitter', brightness=0.2, contrast=0.2, saturation=0.1)
] + _base_.train_pipeline[-1:]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
# Table III's "Min Val Loss": the combined loss on the val split, logged as val/val_loss.
custom_hooks = _base_.custom_hooks + [dict(type='ValLossHook')]
