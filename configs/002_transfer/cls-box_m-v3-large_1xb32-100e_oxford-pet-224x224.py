# Study 002 §6.5 single-task counterpart: the multi-task model without its mask branch (breed
# label + head box only, the "detection" model of the comparison, on the same
# MobileNetV3-Large encoder); val_loss = label CE + box MAE. Everything else as the multi-task
# config.
_base_ = ['./multitask_m-v3-large_1xb32-100e_oxford-pet-224x224.py']
model = dict(decode_head=None)
val_evaluator = [dict(type='ImageLevelMetric')]
test_evaluator = val_evaluator
# No mask, no mIoU: the best checkpoint is the lowest val_loss (the quantity the study monitors).
default_hooks = dict(checkpoint=dict(save_best='val_loss', rule='less'))
