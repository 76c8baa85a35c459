# Reduced-budget (2 CPU cores) protocol of fcn_r50-d8-dropout_1xb4-lovasz-20k_camvid-360x480.py:
# the reduced CE config (MobileNetV2 encoder, half resolution, 1k iterations) with the
# Lovasz-softmax loss (Berman et al.), mmseg's LovaszLoss (projects/003_cdfl/README.md).
_base_ = ['./fcn_m-v2-d16-dropout_1xb4-ce-1k_camvid-180x240_cpu-reduced.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(_delete_=True, type='LovaszLoss', loss_type='multi_class',
                         per_image=False, reduction='none', loss_weight=1.0)))
