# Study 001 (../shared/papers/001_*.txt). SegNet-residual (study 001 §II.B): 3 downsamplings
# 64/128/256, unpooling with the stored indices + fusion of the same-scale encoder feature,
# deconvolution, final concatenation with F1 (128 channels), classifier. Data: CamVid 11 classes
# (SegNet's benchmark); loss: CE with SegNet's median-frequency class weights; SGD lr 0.1,
# momentum 0.9, 210 epochs (Table I). Batch size is not stated by the study: 4.
_base_ = [
    '../_base_/models/segnet_residual.py',
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
# ignore label 255 (CamVid's void).
camvid_median_frequency_weights = [
    0.2794, 0.2018, 4.7889, 0.1491, 1.0000, 0.4235,
    3.8464, 1.9798, 0.7890, 6.3847, 8.8193,
]
model = dict(
    decode_head=dict(num_classes=num_classes, loss_decode=dict(type='CombinedLoss', preset='ce_only', class_weight=camvid_median_frequency_weights, loss_name='loss_ce')))
train_dataloader = dict(batch_size=4)

# Epoch-based loop: log and checkpoint by epoch; the last checkpoint is the reported one.
default_hooks = dict(
    logger=dict(interval=10, log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=5, max_keep_ckpts=1, save_last=True))
log_processor = dict(by_epoch=True)
