# Study 001 (../shared/papers/001_*.txt). SegNet of the same depth as SegNet-residual (3 stages,
# 64/128/256; max-pooling indices reused by max-unpooling), the study's baseline. Data: CamVid
# 11 classes (SegNet's benchmark); loss: balanced CE (§II.D eq. 1-2), beta from the batch (HED
# rule), positive = any class but Road (CamVid has no background class; Road, the most frequent
# class (33 % of pixels), plays the negative/background role); SGD lr 0.1, momentum 0.9, 210
# epochs (Table I). Batch size is not stated by the study: 4.
_base_ = [
    '../_base_/models/segnet.py',
    '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_sgd-0.1_210e.py',
    '../_base_/losses/balanced-ce_camvid.py',
]
num_classes = 11
model = dict(
    decode_head=dict(num_classes=num_classes, loss_decode=_base_.balanced_ce_loss))
train_dataloader = dict(batch_size=4)
