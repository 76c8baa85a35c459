# PASCAL VOC 2012, 8-class subset of study 000 §4.1 (background, person, car, dog, cat,
# motorbike, train, bus; other classes -> background; only images showing one of the 7 object
# classes). Train: §4.2 augmentation at 256x256. Val: resized to 256x256 without augmentation
# (§4.2); mmseg scores the prediction resized back to the original mask (see docs/datasets.md).
# Data: `ln -s /path/to/VOCdevkit data/VOCdevkit` (docs/datasets.md).
dataset_type = 'VOCSubsetDataset'
data_root = 'data/VOCdevkit/VOC2012'
crop_size = (256, 256)
num_classes = 8
train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),
    dict(type='SegRandomResizedCrop', size=crop_size, scale=(0.8, 1.0), ratio=(0.9, 1.1)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='SegColorJitter', brightness=0.15, contrast=0.15, saturation=0.10),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='CheckedLoadAnnotations'),
    dict(type='PackSegInputs'),
]
tta_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='TestTimeAug',
         transforms=[[dict(type='Resize', scale=crop_size, keep_ratio=False)],
                     [dict(type='RandomFlip', prob=0., direction='horizontal'),
                      dict(type='RandomFlip', prob=1., direction='horizontal')],
                     [dict(type='CheckedLoadAnnotations')], [dict(type='PackSegInputs')]])
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),  # epoch-based study schedules
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        preset='voc8',
        ann_file='ImageSets/Segmentation/train.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        preset='voc8',
        ann_file='ImageSets/Segmentation/val.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='DetailedIoUMetric', per_image=True)
test_evaluator = val_evaluator
