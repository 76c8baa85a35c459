# Study 001 (../shared/papers/001_*.txt). SegNet-residual (study 001 §II.B): 3 downsamplings
# 64/128/256, unpooling with the stored indices + fusion of the same-scale encoder feature,
# deconvolution, final concatenation with F1 (128 channels), classifier. Data: CamVid 11 classes
# (SegNet's benchmark); loss: balanced CE (§II.D eq. 1-2), beta from the batch (HED rule),
# positive = any class but Road (CamVid has no background class; Road, the most frequent class
# (33 % of pixels), plays the negative/background role); SGD lr 0.1, momentum 0.9, 210 epochs
# (Table I). Batch size is not stated by the study: 4.
# All else as the SegNet config of the same data and loss (the study's baseline); the one
# difference is the head, as configs/_base_/models/segnet_residual.py.
_base_ = ['./segnet_1xb4-bce-210e_camvid-360x480.py']
model = dict(decode_head=dict(type='SegNetResidualHead'))
