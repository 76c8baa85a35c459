"""A convolution over a channel concatenation that never builds the concatenation."""
from typing import Sequence, Union

import torch.nn as nn
from torch import Tensor
from torch.nn.utils import skip_init


class SplitInputConv2d(nn.Conv2d):
    """``nn.Conv2d`` over ``torch.cat(parts, dim=1)``, computed part by part and summed.

    A convolution is linear in its input channels, so with the weight split along them,
    ``conv(cat([a, b]), W) = conv(a, W[:, :Ca]) + conv(b, W[:, Ca:])``. Skipping the
    concatenation saves writing the concatenated map and, in backward, the copy of each
    part's gradient out of the concatenation's gradient, a channel slice that is strided in
    channels-last layout (the decoder's largest copies, docs/benchmarks.md). The weight stays
    one ``(out, sum(in_splits), kh, kw)`` parameter, so the state dict (and an optimizer's
    state) is exactly that of the ``nn.Conv2d`` it replaces: old checkpoints load unchanged.

    Called with a tensor it is that ``nn.Conv2d``; called with a sequence of tensors (the
    parts, in concatenation order) it splits.

    Args:
        in_splits (Sequence[int]): Channels of each part, in concatenation order.
        out_channels (int): Output channels.
        device, dtype: as for ``nn.Conv2d``. Default: None.
        **kwargs: ``nn.Conv2d`` arguments (``kernel_size``, ``padding``, ``bias``, ...).
    """

    def __init__(self, in_splits: Sequence[int], out_channels: int, device=None, dtype=None,
                 **kwargs) -> None:
        super().__init__(sum(in_splits), out_channels, device=device, dtype=dtype, **kwargs)
        if self.groups != 1:
            raise ValueError(f'{type(self).__name__}: groups={self.groups}; splitting the '
                             f'input channels needs groups=1.')
        self.in_splits = [int(c) for c in in_splits]

    @classmethod
    def from_conv(cls, conv: nn.Conv2d, in_splits: Sequence[int]) -> 'SplitInputConv2d':
        """The same layer, sharing ``conv``'s parameters (no new initialisation, so the
        random stream and hence every later initialisation stay as with ``conv``)."""
        if sum(in_splits) != conv.in_channels:
            raise ValueError(f'{cls.__name__}: in_splits {list(in_splits)} do not add up to '
                             f'the conv\'s {conv.in_channels} input channels.')
        split = skip_init(cls, in_splits, conv.out_channels, kernel_size=conv.kernel_size,
                          stride=conv.stride, padding=conv.padding, dilation=conv.dilation,
                          groups=conv.groups, bias=conv.bias is not None,
                          padding_mode=conv.padding_mode)
        split.weight = conv.weight
        split.bias = conv.bias
        return split

    def forward(self, input: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        if isinstance(input, Tensor):
            return super().forward(input)
        channels = [part.shape[1] for part in input]
        if channels != self.in_splits:
            raise ValueError(f'{type(self).__name__}: parts with {channels} channels, '
                             f'expected {self.in_splits}.')
        weights = self.weight.split(self.in_splits, dim=1)
        out = self._conv_forward(input[0], weights[0], self.bias)
        for part, weight in zip(input[1:], weights[1:]):
            # In place: convolution's backward needs its inputs, not its output.
            out = out.add_(self._conv_forward(part, weight, None))
        return out
