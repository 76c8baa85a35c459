# SegNet-residual (study 001 §II.B, Fig. 2): segnet.py's encoder and decoder layers plus, at each
# scale, the encoder feature added to the max-unpooled tensor, and a final concatenation with F1
# (64 + 64 = 128 channels) before the classifier. The reading of the garbled text is written in
# SegNetResidualHead's docstring and docs/segnet.md.
_base_ = ['./segnet.py']
model = dict(decode_head=dict(type='SegNetResidualHead'))
