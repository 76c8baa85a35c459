# CamVid, 11 classes, SegNet tutorial split (367/101/233), 360x480 as SegNet trains it.
# Data: `ln -s /path/to/CamVid data/camvid` (docs/datasets.md).
dataset_type = 'CamVidDataset'
data_root = 'data/camvid'
crop_size = (360, 480)
num_classes = 11
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
