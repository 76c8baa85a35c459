# Multi-task arm of light_m-v2_1xb32-24e_voc8-256x256_cpu-reduced.py: the 12-epoch multi-task
# model for 24 epochs (the two image-level heads are the only difference within the pair).
_base_ = ['./multitask_m-v2_1xb32-12e_voc8-256x256_cpu-reduced.py']
train_cfg = dict(max_epochs=24)
