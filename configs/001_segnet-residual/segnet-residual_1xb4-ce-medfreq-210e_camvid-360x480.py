# Study 001 (../shared/papers/001_*.txt). SegNet-residual (study 001 §II.B): 3 downsamplings
# 64/128/256, unpooling with the stored indices + fusion of the same-scale encoder feature,
# deconvolution, final concatenation with F1 (128 channels), classifier.
# Data: CamVid 11 classes (SegNet's benchmark); loss: CE with SegNet's median-frequency class weights; SGD lr 0.1, momentum 0.9, 210 epochs (Table I). Batch size is not
# stated by the study: 4.
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
camvid_median_frequency_weights = [
    0.2595, 0.1826, 4.5640, 0.1417, 0.9051, 0.3826,
    9.6446, 1.8418, 0.6823, 6.2478, 7.3614,
]
model = dict(
    decode_head=dict(num_classes=num_classes, loss_decode=dict(type='CrossEntropyLoss', class_weight=camvid_median_frequency_weights, avg_non_ignore=True)))
train_dataloader = dict(batch_size=4)
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice', 'mFscore'])
test_evaluator = val_evaluator

# Epoch-based loop: log and checkpoint by epoch; the last checkpoint is the reported one.
default_hooks = dict(
    logger=dict(interval=10, log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=5, max_keep_ckpts=1, save_last=True))
log_processor = dict(by_epoch=True)
