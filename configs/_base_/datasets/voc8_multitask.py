# VOC-8 (voc8.py) with image-level targets derived from the mask after the augmentation
# (MaskImageTargets: class presence, the largest object's box; see docs/datasets.md).
_base_ = ['./voc8.py']
_targets = [dict(type='MaskImageTargets'), dict(type='PackMultiTaskInputs')]
train_pipeline = _base_.train_pipeline[:-1] + _targets
test_pipeline = _base_.test_pipeline[:-1] + _targets
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='DetailedIoUMetric', per_image=True),
                 dict(type='ImageLevelMetric', class_names=('background', 'person', 'car',
                                                            'dog', 'cat', 'motorbike', 'train',
                                                            'bus'))]
test_evaluator = val_evaluator
