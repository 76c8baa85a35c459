# The study-002 multi-task model (mobilenetv3_light_multitask.py) on mmseg's MobileNetV2 (320
# ch), the ImageNet encoder reachable offline: for VOC-8, a multi-label presence head (which
# of the 8 classes the image shows, sigmoid + BCE) and the box of the largest object.
_base_ = ['./mobilenetv2_light.py']
model = dict(
    type='MultiTaskEncoderDecoder',
    image_neck=dict(type='GlobalPoolFCNeck', in_channels=320, hidden_channels=(256, 256)),
    image_heads=dict(
        cls=dict(type='ImageClassificationHead', in_channels=256, num_classes=8,
                 multi_label=True),
        box=dict(type='BoxRegressionHead', in_channels=256, box_format='xyxy',
                 loss_weight=1.0)))
