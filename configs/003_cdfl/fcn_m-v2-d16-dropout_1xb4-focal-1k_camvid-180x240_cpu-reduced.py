# Reduced-budget (2 CPU cores) protocol of fcn_r50-d8-dropout_1xb4-focal-20k_camvid-360x480.py:
# the reduced CE config (MobileNetV2 encoder, half resolution, 1k iterations) with the softmax
# focal loss (eq. 3), gamma 2, alpha 0.75 (projects/003_cdfl/README.md).
_base_ = ['./fcn_m-v2-d16-dropout_1xb4-ce-1k_camvid-180x240_cpu-reduced.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(_delete_=True, type='SoftmaxFocalLoss', gamma=2.0, alpha=0.75,
                         loss_weight=1.0)))
