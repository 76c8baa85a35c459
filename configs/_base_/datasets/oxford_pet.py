# Oxford-IIIT Pet (study 002): binary pet/background, border ignored; 224x224 (the MobileNet
# input size). Data: `ln -s /path/to/oxford-iiit-pet data/oxford_pet` (docs/datasets.md).
# No augmentation: study 002 §3 only resizes (a random flip would be a deviation from it).
dataset_type = 'OxfordPetDataset'
data_root = 'data/oxford_pet'
crop_size = (224, 224)
num_classes = 2
train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='CheckedLoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),  # epoch-based study schedules
    dataset=dict(type=dataset_type, data_root=data_root, mode='binary',
                 ann_file='annotations/trainval.txt', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, mode='binary',
                 ann_file='annotations/test.txt', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='DetailedIoUMetric', per_image=True)
test_evaluator = val_evaluator
