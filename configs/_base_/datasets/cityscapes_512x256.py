# Cityscapes at 512x256 (study 004 §III.A), mmseg's CityscapesDataset (19 classes, official
# leftImg8bit/ + gtFine/ layout; labelTrainIds from mmseg's tools/dataset_converters/cityscapes.py).
# Whole 2048x1024 frames resized to 512x256 (same aspect ratio, no crop); train: flip 0.5 and
# brightness/contrast ±20 %, "colour jitter ±10 %" read as saturation ±0.10 (no hue).
# Data: `ln -s /path/to/cityscapes data/cityscapes` (docs/datasets.md).
dataset_type = 'CityscapesDataset'
data_root = 'data/cityscapes'
crop_size = (256, 512)
num_classes = 19
# Class-frequency JSON of the train split, read by study 004's class-weighted CE term (its
# median_frequency_weights). Not shipped (no Cityscapes data here): write it once with
#   python tools/analysis_tools/class_frequency.py configs/_base_/datasets/cityscapes_512x256.py \
#       --out configs/_base_/class_frequency/cityscapes_train.json
# Configs build without it; training stops at the first step with that command if it is absent.
cityscapes_class_frequency_file = '{{ fileDirname }}/../class_frequency/cityscapes_train.json'
train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations', num_classes=num_classes),
    dict(type='Resize', scale=(512, 256), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='SegColorJitter', brightness=0.2, contrast=0.2, saturation=0.1),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=(512, 256), keep_ratio=False),
    dict(type='CheckedLoadAnnotations', num_classes=num_classes),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='DetailedIoUMetric', per_image=True)
test_evaluator = val_evaluator
