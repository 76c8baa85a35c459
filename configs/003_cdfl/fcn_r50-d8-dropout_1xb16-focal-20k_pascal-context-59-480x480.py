# Study 003 on PASCAL-Context-59: the cross-entropy arm,
# fcn_r50-d8-dropout_1xb16-ce-20k_pascal-context-59-480x480.py, with the softmax focal loss
# (eq. 3), gamma 2, alpha 0.75 (the study's values, §III.C).
_base_ = ['./fcn_r50-d8-dropout_1xb16-ce-20k_pascal-context-59-480x480.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(_delete_=True, type='SoftmaxFocalLoss', gamma=2.0, alpha=0.75,
                         loss_weight=1.0)))
