# Study 003 (../shared/papers/003_*.txt): FCN with dropout
# (configs/_base_/models/fcn_dropout.py, R50-D8, dropout 0.5 before the classifier) with
# MCDropoutFCNHead for every loss, so the network is identical across losses (the head draws the
# T = 5 extra dropout passes only for CDFL). Loss: CDFL = CE + 0.1*DF (eq. 4-6), T = 5
# MC-dropout passes, gamma 2, alpha 0.75. Data: mmseg's Cityscapes (19 classes, 512x1024 crops).
# Schedule: not stated by the study; mmseg's FCN recipe (SGD 0.01, poly, 20k iterations).
_base_ = [
    '../_base_/models/fcn_dropout.py',
    '../_base_/datasets/cityscapes_512x1024.py',  # mmseg::'s + Checked loaders
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_sgd-poly_20k.py',
]
num_classes = 19
model = dict(
    decode_head=dict(type='MCDropoutFCNHead', num_classes=num_classes, loss_decode=dict(type='CrossDropoutFocalLoss', omega=0.1, gamma=2.0, alpha=0.75)))
train_dataloader = dict(batch_size=8)
# The seglab metric (superset of IoUMetric: + batch-averaged mIoU, boundary IoU, per-image).
val_evaluator = dict(type='DetailedIoUMetric', per_image=True)
test_evaluator = val_evaluator
