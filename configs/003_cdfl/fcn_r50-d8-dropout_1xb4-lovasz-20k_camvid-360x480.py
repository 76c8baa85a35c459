# Study 003 on CamVid: the cross-entropy arm,
# fcn_r50-d8-dropout_1xb4-ce-20k_camvid-360x480.py, with the Lovasz-softmax loss
# (Berman et al.), mmseg's LovaszLoss.
_base_ = ['./fcn_r50-d8-dropout_1xb4-ce-20k_camvid-360x480.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(_delete_=True, type='LovaszLoss', loss_type='multi_class',
                         per_image=False, reduction='none', loss_weight=1.0)))
