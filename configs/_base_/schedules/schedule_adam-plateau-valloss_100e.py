# Study 002 §5.2 as stated: schedule_adam-plateau_100e.py (Adam 1e-3, ReduceLROnPlateau x0.5,
# patience 2, min 1e-6, 100-epoch bound) with the plateau LR and EarlyStopping(patience=20)
# monitoring val_loss, the decode head's loss on the val split that ValLossHook adds to the
# validation metrics (multi-task configs swap in MultiTaskValLossHook, the sum of their losses).
# min_delta 1e-6 = Keras' "strictly better" rule (mmengine's default 0.1 would ignore small
# gains; 0 would count ties as improvements). The mIoU variant: *_miou-monitor.py configs.
# The one schedule that brings default_runtime.py: its hooks extend the runtime's custom_hooks,
# and mmengine lets a file read only its own bases (configs list it without the runtime).
_base_ = ['../default_runtime.py', './schedule_adam-plateau_100e.py']
custom_hooks = _base_.custom_hooks + [
    dict(type='ValLossHook'),
    dict(type='ResumableEarlyStoppingHook', monitor='val_loss', rule='less', patience=20,
         min_delta=1e-6)
]
param_scheduler = [dict(_base_.param_scheduler[0], monitor='val_loss', rule='less')]
