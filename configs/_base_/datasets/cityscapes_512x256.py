# Cityscapes (19 classes) at 512x256 as study 004 §III.A trains it: the whole 2048x1024 frame
# resized to 512x256 (no crop). mmseg's own CityscapesDataset and layout
# (leftImg8bit/, gtFine/ with *_labelTrainIds.png from mmseg's tools/dataset_converters).
_base_ = ['mmseg::_base_/datasets/cityscapes.py']
crop_size = (256, 512)
num_classes = 19
train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),
    dict(type='Resize', scale=(512, 256), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=(512, 256), keep_ratio=False),
    dict(type='CheckedLoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(batch_size=4, num_workers=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=2, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='DetailedIoUMetric', per_image=True)
test_evaluator = val_evaluator
