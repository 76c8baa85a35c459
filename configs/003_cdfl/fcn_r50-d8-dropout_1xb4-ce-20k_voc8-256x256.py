# Study 003 (../shared/papers/003_*.txt), the cross-entropy arm: FCN with dropout
# (configs/_base_/models/fcn_dropout.py: R50-D8, dropout 0.5 before the classifier, and
# MCDropoutFCNHead for every loss, so the network is identical across losses; the head draws
# the T = 5 extra dropout passes only for CDFL). Loss: cross-entropy (eq. 1), averaged over
# the non-ignored pixels. Data: VOC-8, runnable here.
# Schedule: not stated by the study; mmseg's FCN recipe (SGD 0.01, poly, 20k iterations). The
# other losses are thin diffs of this file.
_base_ = [
    '../_base_/models/fcn_dropout.py',
    '../_base_/datasets/voc8.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_sgd-poly_20k.py',
]
num_classes = 8
model = dict(
    decode_head=dict(
        num_classes=num_classes,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True)))
train_dataloader = dict(batch_size=4)
