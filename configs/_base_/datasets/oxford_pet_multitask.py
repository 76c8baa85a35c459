# Oxford-IIIT Pet for study 002's multi-task model: the binary mask, the breed label (list
# files) and the head box (annotations/xmls; images without an XML: box ignored). Resize only
# (boxes follow it); PackMultiTaskInputs packs the image-level targets.
_base_ = ['./oxford_pet.py']
train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),
    dict(type='Resize', scale=_base_.crop_size, keep_ratio=False),
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=_base_.crop_size, keep_ratio=False),
    dict(type='CheckedLoadAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(dataset=dict(with_bbox=True, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(with_bbox=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='DetailedIoUMetric', per_image=True), dict(type='ImageLevelMetric')]
test_evaluator = val_evaluator
