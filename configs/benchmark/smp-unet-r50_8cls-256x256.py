# Benchmark peer: segmentation_models_pytorch's Unet('resnet50', encoder_weights=None)
# (decoder 256-128-64-32-16, BN), the reference ResNet-50 U-Net, run through mmseg's
# data_preprocessor, CE and AdamW by seglab's SMPSegmentor (seglab/models/segmentors/).
# Needs: pip install -r requirements/benchmark.txt
custom_imports = dict(imports=['seglab'], allow_failed_imports=False)
_base_ = ['../_base_/schedules/schedule_adamw-const_30e.py']
default_scope = 'mmseg'
num_classes = 8
crop_size = (256, 256)
model = dict(
    type='SMPSegmentor',
    arch='Unet',
    num_classes=num_classes,
    net_kwargs=dict(encoder_name='resnet50', encoder_weights=None),
    loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        size=crop_size,
        pad_val=0,
        seg_pad_val=255))
