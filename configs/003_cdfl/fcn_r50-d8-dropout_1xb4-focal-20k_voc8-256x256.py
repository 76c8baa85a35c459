# Study 003 on VOC-8: the cross-entropy arm,
# fcn_r50-d8-dropout_1xb4-ce-20k_voc8-256x256.py, with the softmax focal loss
# (eq. 3), gamma 2, alpha 0.75 (the study's values, §III.C).
_base_ = ['./fcn_r50-d8-dropout_1xb4-ce-20k_voc8-256x256.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(_delete_=True, type='SoftmaxFocalLoss', gamma=2.0, alpha=0.75,
                         loss_weight=1.0)))
