# Study 003 on Cityscapes: the cross-entropy arm,
# fcn_r50-d8-dropout_1xb8-ce-20k_cityscapes-512x1024.py, with CDFL = CE + 0.01*DF
# (eq. 4-6): T = 5 Monte-Carlo dropout passes (MCDropoutFCNHead's default num_mc_samples),
# gamma 2, alpha 0.75. The other omegas are thin diffs of this file.
_base_ = ['./fcn_r50-d8-dropout_1xb8-ce-20k_cityscapes-512x1024.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(_delete_=True, type='CrossDropoutFocalLoss', omega=0.01, gamma=2.0,
                         alpha=0.75, loss_weight=1.0)))
