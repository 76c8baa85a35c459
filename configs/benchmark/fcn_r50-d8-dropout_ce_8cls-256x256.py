# Benchmark: study 003's FCN R50-D8 with dropout 0.5 and MCDropoutFCNHead (as every
# study-003 config has), trained with plain CE: the reference step for the CDFL cost ratio
# (fcn_r50-d8-dropout_cdfl-t5_8cls-256x256.py). SGD, as the study 003 configs. Model only.
_base_ = [
    '../_base_/models/fcn_dropout.py',
    '../_base_/schedules/schedule_sgd-poly_20k.py',
]
default_scope = 'mmseg'
num_classes = 8
model = dict(
    data_preprocessor=dict(size=(256, 256), size_divisor=None),  # the base pads to 32 instead
    decode_head=dict(type='MCDropoutFCNHead', num_classes=num_classes,
                     loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)))
