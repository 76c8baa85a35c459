# Study 000's loss, defined once for the study configs and the MMSeg baselines compared with
# them: log inverse-frequency weighted CE (§3.3, eq. 2). f_c: pixel frequency of each VOC-8 class
# (background, person, car, dog, cat, motorbike, train, bus) in the training split as the
# pipeline loads it, measured on the 205 kept images of ../shared's VOC subset
# (configs/_base_/class_frequency/voc8_train.json, tools/analysis_tools/class_frequency.py).
# On the full VOC 2012 train split, re-run the tool and paste its `frequency`.
voc8_class_frequency = [
    0.7520, 0.0998, 0.0177, 0.0193,
    0.0378, 0.0229, 0.0217, 0.0288,
]
log_frequency_ce_loss = dict(type='LogFrequencyCELoss', class_frequency=voc8_class_frequency)
