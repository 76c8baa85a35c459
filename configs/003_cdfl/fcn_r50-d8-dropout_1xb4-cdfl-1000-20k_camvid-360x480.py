# Study 003 with CDFL = CE + 1000*DF: the study's omega values (0.1 to 0.001) leave the loss equal
# to CE to float precision (u <= 1/4 and, measured on CamVid, u < 0.1, so omega*DF/CE < 1e-6;
# projects/003_cdfl/README.md). omega = 1000 is where DF changes the gradient by a few (100) to
# tens of (1000) per cent after the first hundred SGD steps (measured ratio), so this arm tests the
# loss rather than noise. All else as the omega = 0.01 config it inherits.
_base_ = ['./fcn_r50-d8-dropout_1xb4-cdfl-0.01-20k_camvid-360x480.py']
model = dict(decode_head=dict(loss_decode=dict(omega=1000.0)))
