# Study 003 on VOC-8: the cross-entropy arm,
# fcn_r50-d8-dropout_1xb4-ce-20k_voc8-256x256.py, with the Lovasz-softmax loss
# (Berman et al.), mmseg's LovaszLoss.
_base_ = ['./fcn_r50-d8-dropout_1xb4-ce-20k_voc8-256x256.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(_delete_=True, type='LovaszLoss', loss_type='multi_class',
                         per_image=False, reduction='none', loss_weight=1.0)))
