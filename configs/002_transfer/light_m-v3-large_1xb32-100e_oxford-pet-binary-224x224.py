# Study 002 §6.5 single-task counterpart: the mask branch of the multi-task model alone (the
# §5 segmentation model on the multi-task model's MobileNetV3-Large encoder, ImageNet init).
# Everything else as light_m-v3-small_1xb32-100e_oxford-pet-binary-224x224.py.
_base_ = ['./light_m-v3-small_1xb32-100e_oxford-pet-binary-224x224.py']
model = dict(
    backbone=dict(
        arch='large', out_indices=(16, ),
        init_cfg=dict(checkpoint='https://download.openmmlab.com/mmclassification/v0/'
                      'mobilenet_v3/mobilenet-v3-large_8xb128_in1k_20221114-0ed9ed9a.pth')),
    decode_head=dict(in_channels=960))
