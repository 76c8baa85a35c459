# Study 001's loss on VOC-8, defined once for the study configs and the MMSeg baselines compared
# with them: balanced CE (§II.D eq. 1-2), beta from the batch (HED rule), background (index 0)
# as the negative class.
balanced_ce_loss = dict(type='BalancedCELoss', beta='auto', background_index=0)
