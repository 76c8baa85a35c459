# Study 003 on PASCAL-Context-59: the cross-entropy arm,
# fcn_r50-d8-dropout_1xb16-ce-20k_pascal-context-59-480x480.py, with the Lovasz-softmax loss
# (Berman et al.), mmseg's LovaszLoss.
_base_ = ['./fcn_r50-d8-dropout_1xb16-ce-20k_pascal-context-59-480x480.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(_delete_=True, type='LovaszLoss', loss_type='multi_class',
                         per_image=False, reduction='none', loss_weight=1.0)))
