# seglab registers its modules into mmseg's registries on import.
custom_imports = dict(imports=['seglab'], allow_failed_imports=False)
default_scope = 'mmseg'
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
# One-line TensorBoard switch: vis_backends = [dict(type='LocalVisBackend'),
#                                              dict(type='TensorboardVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
# Per-class metrics go to the table and the scalars, not into the one-line summary.
log_processor = dict(type='SummaryLogProcessor', by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
tta_model = dict(type='SegTTAModel')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    # LoggerHook + a filter for mmengine's known-harmless notices (seglab/warning_filters.py).
    logger=dict(type='QuietLoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Atomic saves; the last_checkpoint pointer moves only after a complete write. The best
    # validation mIoU is kept as best_mIoU_*.pth next to the last (max_keep_ckpts spares it).
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=False, interval=1000,
                    max_keep_ckpts=2, save_last=True, save_best='mIoU', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
custom_hooks = [
    # Exact resume: the random state of the training process travels in the checkpoint.
    dict(type='RNGStateHook'),
    # Heads' num_classes vs the datasets' classes, checked before the first iteration.
    dict(type='ClassNumberCheckHook'),
    # NaN/Inf loss: stop with the term and iteration (AMP: skip, stop after K in a row).
    dict(type='NonFiniteLossHook', max_consecutive_skips=5),
    # Loss terms a loss logs itself (CombinedLoss) carry their head's prefix: decode./aux.
    dict(type='LossTermPrefixHook'),
]
randomness = dict(seed=42)
