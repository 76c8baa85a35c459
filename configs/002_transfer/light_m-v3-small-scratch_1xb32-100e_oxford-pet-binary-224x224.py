# Study 002 §5 scratch arm: the same MobileNetV3-Small + light decoder on Oxford-IIIT Pet
# binary masks, random init.
_base_ = ['./light_m-v3-small_1xb32-100e_oxford-pet-binary-224x224.py']
model = dict(backbone=dict(init_cfg=None))
