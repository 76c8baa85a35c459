# Scratch arm of light_m-v2_1xb32-24e_camvid-180x240_cpu-reduced.py: the 12-epoch scratch arm
# for 24 epochs (the encoder's init is the only difference within the pair).
_base_ = ['./light_m-v2-scratch_1xb32-12e_camvid-180x240_cpu-reduced.py']
train_cfg = dict(max_epochs=24)
