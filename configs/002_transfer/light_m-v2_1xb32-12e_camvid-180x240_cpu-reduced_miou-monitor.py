# Monitor variant of light_m-v2_1xb32-12e_camvid-180x240_cpu-reduced.py: ReduceLROnPlateau and
# EarlyStopping watch the validation mIoU (rule 'greater') instead of the study's val_loss. The
# recorded reduced study-002 runs (projects/002_transfer/README.md) used this monitor; val_loss
# is still logged (ValLossHook), it only stops driving the schedule.
_base_ = ['./light_m-v2_1xb32-12e_camvid-180x240_cpu-reduced.py']
param_scheduler = [dict(_base_.param_scheduler[0], monitor='mIoU', rule='greater')]
custom_hooks = [
    dict(h, monitor='mIoU', rule='greater') if h['type'] == 'ResumableEarlyStoppingHook' else h
    for h in _base_.custom_hooks
]
# The recorded single-seed runs of this monitor trained in fp32.
optim_wrapper = dict(type='OptimWrapper')
