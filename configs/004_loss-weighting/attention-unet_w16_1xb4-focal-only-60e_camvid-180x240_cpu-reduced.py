# attention-unet_w16_1xb4-focal-only-40e_camvid-180x240_cpu-reduced.py for 60 epochs:
# at 40 epochs the equal and Dice-dominant runs still stepped up in the last fifth (a class
# first learnt at epochs 30-36), so the reduced schedule of every preset is lengthened (a
# deviation). StepLR(20, 0.5) now halves the LR at epochs 20 and 40; epochs 1-40 follow the
# 40-epoch run's schedule and random stream.
_base_ = ['./attention-unet_w16_1xb4-focal-only-40e_camvid-180x240_cpu-reduced.py']
train_cfg = dict(max_epochs=60)
