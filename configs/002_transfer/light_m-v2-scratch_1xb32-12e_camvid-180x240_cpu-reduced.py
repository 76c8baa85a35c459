# Reduced-budget scratch arm of study 002 on CamVid:
# light_m-v2_1xb32-12e_camvid-180x240_cpu-reduced.py with a randomly initialised encoder (the
# only difference within the pair).
_base_ = ['./light_m-v2_1xb32-12e_camvid-180x240_cpu-reduced.py']
model = dict(backbone=dict(init_cfg=None))
