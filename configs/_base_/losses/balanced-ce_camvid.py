# Study 001's loss on CamVid, defined once for the study configs and the MMSeg baselines compared
# with them: balanced CE (§II.D eq. 1-2), beta from the batch (HED rule); CamVid has no
# background class, so Road (index 3, the most frequent class, 33 % of pixels) plays the
# negative/background role.
balanced_ce_loss = dict(type='BalancedCELoss', beta='auto', background_index=3)
