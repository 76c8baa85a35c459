"""How SegNet's max-pooling indices travel from the encoder to the decoder.

SegNet (Badrinarayanan et al., TPAMI 2017, §3) upsamples in the decoder with the argmax
positions recorded by the encoder's max-pooling. Inside mmseg's ``EncoderDecoder`` the only
channel between backbone and head is the backbone's return value (``extract_feat``), so the
indices travel *in* that value: :class:`SegNetEncoder` returns one :class:`PooledFeature` per
stage and the SegNet heads unpack them. Nothing is cached on a module between calls, so the
same model serves whole-image and slide inference (each crop is its own forward), test-time
augmentation (``SegTTAModel`` runs one forward per view) and data-parallel replicas.
"""
from typing import NamedTuple, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


class PooledFeature(NamedTuple):
    """One encoder stage's output: its features, their max-pooled version and the argmax.

    A ``NamedTuple`` (not a dataclass) so that ``torch.jit.trace`` and mmengine's FLOP counter
    follow it through the model.

    Attributes:
        features (Tensor): the stage's features before pooling, ``(N, C, H, W)`` (study 001's
            ``F_k``); their spatial size is the size max-unpooling restores, so odd sizes
            come back exactly.
        pooled (Tensor): ``max_pool2d(features)``, ``(N, C, H', W')``, the next stage's input.
        indices (Tensor): the flat ``H * W`` argmax positions returned by
            ``F.max_pool2d(..., return_indices=True)``, same shape as ``pooled``.
        kernel_size (int): pooling window (SegNet: 2).
        stride (int): pooling stride (SegNet: 2).
    """

    features: Tensor
    pooled: Tensor
    indices: Tensor
    kernel_size: int = 2
    stride: int = 2

    @property
    def pre_pool_size(self) -> Tuple[int, int]:
        """Spatial size ``(H, W)`` of the features before pooling."""
        # Plain ints: under torch.jit.trace (mmengine's FLOP counter) shape entries are
        # tensors, which F.max_unpool2d's size check rejects.
        h, w = self.features.shape[-2:]
        return int(h), int(w)

    def unpool(self, x: Tensor) -> Tensor:
        """Max-unpool ``x`` (shaped like ``pooled``) to ``pre_pool_size``: each value goes
        back to the position its maximum came from, every other position is zero."""
        if x.shape != self.indices.shape:
            raise ValueError(
                f'cannot max-unpool a decoder tensor of shape {tuple(x.shape)} with pooling '
                f'indices of shape {tuple(self.indices.shape)}: the decoder level must keep '
                f'the channel count of the encoder stage it mirrors (check the head\'s '
                f'in_channels / num_convs against the backbone).')
        if torch.onnx.is_in_onnx_export():
            # ONNX has no max_unpool2d export (and its MaxUnpool indexes the whole tensor,
            # not each plane); a scatter into the pre-pool plane is the same operation and
            # keeps the size symbolic for dynamic-shape exports.
            return torch.zeros_like(self.features).flatten(2).scatter(
                2, self.indices.flatten(2), x.flatten(2)).view_as(self.features)
        return F.max_unpool2d(x, self.indices, self.kernel_size, self.stride,
                              output_size=self.pre_pool_size)


def check_pooled_features(inputs: Sequence, owner: str) -> None:
    """Raise a clear ``TypeError`` unless ``inputs`` is a sequence of :class:`PooledFeature`.

    Args:
        inputs: what the backbone returned (or the head selected from it).
        owner (str): the class name to put in the message.
    """
    bad = [type(item).__name__ for item in inputs if not isinstance(item, PooledFeature)]
    if bad or len(inputs) == 0:
        raise TypeError(
            f'{owner} needs one PooledFeature (features, pooled, indices) per encoder stage, '
            f'as SegNetEncoder returns them; got {[type(i).__name__ for i in inputs]}. Use '
            f"backbone=dict(type='SegNetEncoder', ...) (another backbone does not record "
            f'max-pooling indices).')
