# MMSeg's FCN R50-D8 on study 003's Cityscapes setting (mmseg's cityscapes 512x1024 crops) with
# study 003's schedule (SGD 0.01 poly, 20k iterations) and its baseline loss (CE).
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    'mmseg::_base_/datasets/cityscapes.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_sgd-poly_20k.py',
]
crop_size = (512, 1024)
norm_cfg = dict(type='BN', requires_grad=True)  # one process: no SyncBN
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=19, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=19, norm_cfg=norm_cfg))
train_dataloader = dict(batch_size=8)
