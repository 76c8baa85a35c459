"""FCN head supplying Monte-Carlo dropout samples to CDFL (study 003, §III.C)."""
from typing import Optional

import torch
import torch.nn as nn
from mmseg.models.decode_heads import FCNHead
from mmseg.models.losses import accuracy
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

# Mixed into the run seed so the Monte-Carlo stream is not a copy of the global one.
_MC_SEED_SALT = 0x5EEDCDF1


@MODELS.register_module()
class MCDropoutFCNHead(FCNHead):
    """mmseg's ``FCNHead`` that feeds T Monte-Carlo-dropout samples to its losses.

    Study 003 runs the input "T dropout times" through the FCN to get the
    variance u of eq. 4. Only the dropout-bearing part of the head
    (``dropout`` + ``conv_seg``, i.e. ``cls_seg``) differs between the passes,
    so during training the features are computed once and the dropout +
    ``conv_seg`` are re-run ``num_mc_samples`` times (one batched call) under
    ``torch.no_grad()``. The softmax of these logits at the head's resolution
    is passed as ``mc_probs`` (T, N, C, h, w), with the head's
    ``align_corners`` and a ``log_vars`` dict for log-only scalars, to every
    loss in ``loss_decode`` whose class sets ``takes_mc_probs = True``
    (:class:`~seglab.losses.CrossDropoutFocalLoss`); other losses are called as
    in mmseg. Without such a loss no samples are drawn. Inference
    (``predict``) is unchanged.

    The Monte-Carlo masks come from a dedicated generator, seeded from the run
    seed (``torch.initial_seed()``, which mmengine sets from
    ``randomness.seed``), never from the global one: the training pass's
    dropout, data order and augmentation are then the same whether or not a
    loss asks for samples, so arms that differ only in the loss see the same
    random numbers. Its state is saved and restored with the checkpoint by
    :class:`~seglab.engine.RNGStateHook` (``rng_state_dict`` /
    ``load_rng_state_dict``).

    Args:
        num_mc_samples (int): T, number of extra dropout passes (>= 2).
            Default: 5 (study 003).
        **kwargs: Arguments of ``FCNHead``; ``dropout_ratio`` must be > 0.
    """

    def __init__(self, num_mc_samples: int = 5, **kwargs) -> None:
        super().__init__(**kwargs)
        if int(num_mc_samples) < 2:
            raise ValueError(f'MCDropoutFCNHead: num_mc_samples={num_mc_samples}; the '
                             'variance of eq. 4 needs T >= 2 (study 003 uses 5).')
        if self.dropout is None or self.dropout.p <= 0:
            raise ValueError('MCDropoutFCNHead: dropout_ratio must be > 0 (got '
                             f'{kwargs.get("dropout_ratio", 0.1)}); without dropout all '
                             'Monte-Carlo samples are identical, u = 0 and CDFL reduces to CE.')
        self.num_mc_samples = int(num_mc_samples)
        self._mc_generator: Optional[torch.Generator] = None
        self._mc_pending_state: Optional[Tensor] = None

    def _takers(self) -> list:
        losses = (list(self.loss_decode)
                  if isinstance(self.loss_decode, nn.ModuleList) else [self.loss_decode])
        return [m for m in losses if getattr(type(m), 'takes_mc_probs', False)]

    def _generator(self, device: torch.device) -> torch.Generator:
        gen = self._mc_generator
        if gen is None or gen.device != device:
            gen = torch.Generator(device=device)
            gen.manual_seed((torch.initial_seed() + _MC_SEED_SALT) % 2**63)
            self._mc_generator = gen
        if self._mc_pending_state is not None:
            state, self._mc_pending_state = self._mc_pending_state, None
            try:
                gen.set_state(state)
            except RuntimeError as err:
                raise RuntimeError(
                    'MCDropoutFCNHead: the checkpoint holds the Monte-Carlo generator state of '
                    f'another device type than {device}; resume on the device it was saved '
                    f'on. ({err})') from err
        return gen

    def rng_state_dict(self) -> Optional[Tensor]:
        """State of the Monte-Carlo generator (None before the first sample)."""
        if self._mc_pending_state is not None:
            return self._mc_pending_state.clone()
        return None if self._mc_generator is None else self._mc_generator.get_state()

    def load_rng_state_dict(self, state: Optional[Tensor]) -> None:
        """Continue the Monte-Carlo stream of ``state`` (applied at the next sample)."""
        self._mc_pending_state = None if state is None else state.cpu()

    def _mc_probs(self, feats: Tensor) -> Tensor:
        """Softmax of ``num_mc_samples`` dropout passes of ``cls_seg``, no gradient.

        The masks follow ``self.dropout`` (mmseg's ``nn.Dropout2d``: one
        Bernoulli draw per channel, kept channels scaled by 1 / (1 - p)) but
        are drawn from the dedicated generator. Kept at the head's resolution:
        the loss resizes only the ground-truth class's probability to the label
        grid (C times cheaper than resizing all classes' logits).
        """
        if not self.training:
            raise RuntimeError('MCDropoutFCNHead: Monte-Carlo samples need the head in '
                               'training mode (dropout active).')
        with torch.no_grad():
            batch = feats.shape[0]
            repeated = feats.repeat(self.num_mc_samples, 1, 1, 1)
            if isinstance(self.dropout, nn.Dropout2d):
                mask_shape = repeated.shape[:2] + (1, ) * (repeated.dim() - 2)
            elif isinstance(self.dropout, nn.Dropout):
                mask_shape = repeated.shape
            else:
                raise TypeError(f'MCDropoutFCNHead: unsupported dropout layer '
                                f'{type(self.dropout).__name__}')
            keep = 1.0 - self.dropout.p
            mask = torch.empty(mask_shape, device=repeated.device, dtype=repeated.dtype)
            mask.bernoulli_(keep, generator=self._generator(repeated.device)).div_(keep)
            probs = self.conv_seg(repeated * mask).float().softmax(dim=1)
        return probs.view(self.num_mc_samples, batch, *probs.shape[1:])

    def loss(self, inputs, batch_data_samples: SampleList, train_cfg: ConfigType) -> dict:
        feats = self._forward_feature(inputs)
        seg_logits = self.cls_seg(feats)
        mc_probs = self._mc_probs(feats) if self._takers() else None
        return self.loss_by_feat(seg_logits, batch_data_samples, mc_probs=mc_probs)

    def loss_by_feat(self,
                     seg_logits: Tensor,
                     batch_data_samples: SampleList,
                     mc_probs: Optional[Tensor] = None) -> dict:
        """mmseg's ``BaseDecodeHead.loss_by_feat`` plus ``mc_probs`` for the losses taking it.

        Log-only values of those losses (``log_vars``) are added to the returned
        dict; their keys contain no ``loss``, so mmseg logs but does not sum them.
        """
        seg_label = self._stack_batch_gt(batch_data_samples)
        seg_logits = resize(seg_logits, size=seg_label.shape[2:], mode='bilinear',
                            align_corners=self.align_corners)
        seg_weight = None if self.sampler is None else self.sampler.sample(seg_logits, seg_label)
        seg_label = seg_label.squeeze(1)
        losses = (list(self.loss_decode)
                  if isinstance(self.loss_decode, nn.ModuleList) else [self.loss_decode])
        loss, log_vars = dict(), dict()
        for loss_decode in losses:
            kwargs = dict(weight=seg_weight, ignore_index=self.ignore_index)
            if getattr(type(loss_decode), 'takes_mc_probs', False) and mc_probs is not None:
                kwargs.update(mc_probs=mc_probs, mc_align_corners=self.align_corners,
                              log_vars=log_vars)
            value = loss_decode(seg_logits, seg_label, **kwargs)
            name = loss_decode.loss_name
            loss[name] = loss[name] + value if name in loss else value
        if any('loss' in key for key in log_vars):
            raise KeyError(f'MCDropoutFCNHead: log-only keys must not contain "loss" (mmseg '
                           f'would add them to the total loss): {sorted(log_vars)}')
        loss.update(log_vars)
        loss['acc_seg'] = accuracy(seg_logits, seg_label, ignore_index=self.ignore_index)
        return loss
