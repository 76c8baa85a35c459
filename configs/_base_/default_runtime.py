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
log_level = 'INFO'
load_from = None
resume = False
tta_model = dict(type='SegTTAModel')
# default_hooks and log_processor follow the loop (by iteration or by epoch), so, as in MMSeg,
# each schedule file (schedules/) defines them; all use seglab's QuietLoggerHook (LoggerHook + a
# filter for mmengine's known-harmless notices, seglab/warning_filters.py), AtomicCheckpointHook
# (atomic saves; the last_checkpoint pointer moves only after a complete write; the best
# validation mIoU is kept as best_mIoU_*.pth next to the last, max_keep_ckpts spares it) and
# SummaryLogProcessor (per-class metrics go to the table and the scalars, not into the one-line
# summary).
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
