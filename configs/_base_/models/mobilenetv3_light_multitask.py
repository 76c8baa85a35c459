# Study 002 §6.1 multi-task model: MobileNetV3-Large encoder (stride 32, 960 ch); the mask
# branch is the light decoder of mobilenetv3_light.py on the encoder output; global average
# pooling + two FC blocks (FC + ReLU + BN; widths not stated in the paper: 256) shared by the
# label branch (softmax over 37 breeds) and the box branch (4 sigmoid units, L1 = MAE).
# Losses summed with weight 1 each (the paper states no weights).
_base_ = ['./mobilenetv3_light.py']
model = dict(
    type='MultiTaskEncoderDecoder',
    backbone=dict(arch='large', out_indices=(16, )),
    decode_head=dict(in_channels=960),
    image_neck=dict(type='GlobalPoolFCNeck', in_channels=960, hidden_channels=(256, 256)),
    image_heads=dict(
        cls=dict(type='ImageClassificationHead', in_channels=256, num_classes=37,
                 loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        box=dict(type='BoxRegressionHead', in_channels=256, box_format='xyxy',
                 loss_weight=1.0)))
