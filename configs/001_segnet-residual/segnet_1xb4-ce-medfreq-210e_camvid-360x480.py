# Study 001 (../shared/papers/001_*.txt). SegNet of the same depth as SegNet-residual (3 stages,
# 64/128/256; max-pooling indices reused by max-unpooling), the study's baseline. Data: CamVid
# 11 classes (SegNet's benchmark); loss: CE with SegNet's median-frequency class weights; SGD lr
# 0.1, momentum 0.9, 210 epochs (Table I). Batch size is not stated by the study: 4.
_base_ = [
    '../_base_/models/segnet.py',
    '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_sgd-0.1_210e.py',
]
num_classes = 11
# SegNet's median-frequency balancing: w_c = median(f) / f_c, f_c = pixel frequency of class
# c over the training images containing c, from
#   python tools/analysis_tools/class_frequency.py {this config} --split train
# (the CamVid train split, 367 images). The loss is seglab's class-weighted CE (CombinedLoss with
# the ce_only preset): mmseg's CrossEntropyLoss(class_weight=...) raises IndexError on the
# ignore label 255 (CamVid's void). The weights are the CamVid base's
# camvid_median_frequency_weights.
model = dict(
    decode_head=dict(
        num_classes=num_classes,
        loss_decode=dict(type='CombinedLoss', preset='ce_only',
                         class_weight=_base_.camvid_median_frequency_weights,
                         loss_name='loss_ce')))
train_dataloader = dict(batch_size=4)
