# The hooks of an epoch-based train loop (the schedules own them, as in MMSeg): log by epoch,
# checkpoint after every epoch keeping the last and the best validation mIoU; the last
# checkpoint is the reported one.
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='QuietLoggerHook', interval=10, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=1,
                    save_last=True, save_best='mIoU', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
log_processor = dict(type='SummaryLogProcessor', by_epoch=True)
