# Study 004 (../shared/papers/004_*.txt): DeepLabV3+ with an ImageNet ResNet-34 (§III.C),
# cross-architecture check; combined loss w_c*CE + w_d*Dice + w_f*Focal with the 'dice_dominant'
# weights of Table II. Data: Cityscapes resized to 512x256 (§III.A). AdamW 1e-4 / wd 1e-4,
# StepLR(20, 0.5), 20 epochs, batch 4, grad clip 1.0, seed 42. AMP: `--amp` on a GPU.
_base_ = [
    '../_base_/models/deeplabv3plus_r34.py',
    '../_base_/datasets/cityscapes_512x256.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adamw-step_20e.py',
]
num_classes = 19
# Table I's class-weighted CE: median-frequency weights of the Cityscapes train split, read
# from the class-frequency JSON (configs/_base_/datasets/cityscapes_512x256.py says how to
# write it; projects/004_loss-weighting/README.md says why median frequency).
model = dict(
    decode_head=dict(
        num_classes=num_classes,
        loss_decode=dict(type='CombinedLoss', preset='dice_dominant',
                         class_weight=_base_.cityscapes_class_frequency_file,
                         class_weight_key='median_frequency_weights')))
train_dataloader = dict(batch_size=4)
# Table III's "Min Val Loss": the combined loss on the val split, logged as val/val_loss.
custom_hooks = _base_.custom_hooks + [dict(type='ValLossHook')]
