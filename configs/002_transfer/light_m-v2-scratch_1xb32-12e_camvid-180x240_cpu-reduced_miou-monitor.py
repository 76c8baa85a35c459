# Scratch arm of light_m-v2_1xb32-12e_camvid-180x240_cpu-reduced_miou-monitor.py (plateau LR and
# early stopping on the validation mIoU, as the recorded reduced runs): random encoder init.
_base_ = ['./light_m-v2_1xb32-12e_camvid-180x240_cpu-reduced_miou-monitor.py']
model = dict(backbone=dict(init_cfg=None))
