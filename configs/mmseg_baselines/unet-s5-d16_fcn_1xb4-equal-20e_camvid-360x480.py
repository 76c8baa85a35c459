# MMSeg's own unet-s5-d16_fcn (its _base_ model file, BN instead of SyncBN) with study 004's CamVid
# protocol; matches 004_loss-weighting/attention-unet_1xb4-equal-20e_camvid-360x480.py: CamVid
# 360x480 with flip and §III.A photometric augmentation, CombinedLoss 'equal' with the
# median-frequency class weights of the CamVid base (the study's own variable), AdamW 1e-4, StepLR,
# 20 epochs, batch 4, grad clip 1.0, seed 42. The other presets are thin diffs of this file.
# MMSeg's auxiliary FCN head (weight 0.4, same loss) is kept.
_base_ = [
    'mmseg::_base_/models/fcn_unet_s5-d16.py',
    '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adamw-step_20e.py',
]
compared_with = 'configs/004_loss-weighting/attention-unet_1xb4-equal-20e_camvid-360x480.py'
num_classes = 11
norm_cfg = dict(type='BN', requires_grad=True)  # one process: no SyncBN
preset = 'equal'
combined_loss = dict(type='CombinedLoss', preset=preset,
                     class_weight=_base_.camvid_median_frequency_weights)
model = dict(
    # the UNet downsamples 4x: pad inputs to a multiple of 16 (prediction cropped back)
    data_preprocessor=dict(size=None, size_divisor=16, test_cfg=dict(size_divisor=16)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                     loss_decode=dict(_delete_=True, **combined_loss)),
    auxiliary_head=dict(num_classes=num_classes, norm_cfg=norm_cfg,
                        loss_decode=dict(_delete_=True, **combined_loss, loss_weight=0.4)),
    test_cfg=dict(mode='whole'))
# The study's augmentation (its configs add it after the CamVid base's flip).
train_pipeline = _base_.train_pipeline[:-1] + [
    dict(type='SegColorJitter', brightness=0.2, contrast=0.2, saturation=0.1)
] + _base_.train_pipeline[-1:]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
# As the study: Table III's "Min Val Loss", the loss on the val split (val/val_loss).
custom_hooks = _base_.custom_hooks + [dict(type='ValLossHook')]
