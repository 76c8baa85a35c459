# Benchmark: the same FCN as fcn_r50-d8-dropout_ce_8cls-256x256.py trained with CDFL
# (study 003: CE + 0.01 * DF, T = 5 Monte-Carlo dropout passes, gamma 2, alpha 0.75). The
# target is a step <= 1.15x the CE step. Model only.
_base_ = ['./fcn_r50-d8-dropout_ce_8cls-256x256.py']
model = dict(
    decode_head=dict(num_mc_samples=5,
                     loss_decode=dict(_delete_=True, type='CrossDropoutFocalLoss', omega=0.01,
                                      gamma=2.0, alpha=0.75)))
