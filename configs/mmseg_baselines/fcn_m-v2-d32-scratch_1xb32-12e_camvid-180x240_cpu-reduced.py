# Scratch arm of the study-002 MMSeg baseline: fcn_m-v2-d32_1xb32-12e_camvid-180x240_cpu-reduced.py
# with a randomly initialised encoder; matches
# 002_transfer/light_m-v2-scratch_1xb32-12e_camvid-180x240_cpu-reduced.py.
_base_ = ['./fcn_m-v2-d32_1xb32-12e_camvid-180x240_cpu-reduced.py']
compared_with = 'configs/002_transfer/light_m-v2-scratch_1xb32-12e_camvid-180x240_cpu-reduced.py'
model = dict(backbone=dict(init_cfg=None))
