# The hooks of an iteration-based train loop (the schedules own them, as in MMSeg): log every
# 50 iterations, checkpoint every 1000 keeping two, the last and the best validation mIoU.
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='QuietLoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=False, interval=1000,
                    max_keep_ckpts=2, save_last=True, save_best='mIoU', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
log_processor = dict(type='SummaryLogProcessor', by_epoch=False)
