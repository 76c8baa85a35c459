# CamVid, 11 classes, SegNet tutorial split (367/101/233), 360x480 as SegNet trains it.
# Data: `ln -s /path/to/CamVid data/camvid` (docs/datasets.md).
dataset_type = 'CamVidDataset'
data_root = 'data/camvid'
crop_size = (360, 480)
num_classes = 11
# Median-frequency class weights of the train split (SegNet's rule, w_c = median(f) / f_c with
# f_c over the images containing c), from configs/_base_/class_frequency/camvid_train.json
# (tools/analysis_tools/class_frequency.py, 367 images), rounded to 4 decimals. Study 004's
# class-weighted CE term uses them.
camvid_median_frequency_weights = [
    0.2794, 0.2018, 4.7889, 0.1491, 1.0000, 0.4235,
    3.8464, 1.9798, 0.7890, 6.3847, 8.8193,
]
train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),
    dict(type='PackSegInputs'),
]
tta_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='TestTimeAug',
         transforms=[[dict(type='RandomFlip', prob=0., direction='horizontal'),
                      dict(type='RandomFlip', prob=1., direction='horizontal')],
                     [dict(type='CheckedLoadAnnotations')], [dict(type='PackSegInputs')]])
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),  # epoch-based study schedules
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='train.txt',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='val.txt',
                 pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='test.txt',
                 pipeline=test_pipeline))
val_evaluator = dict(type='DetailedIoUMetric', per_image=True)
test_evaluator = val_evaluator
