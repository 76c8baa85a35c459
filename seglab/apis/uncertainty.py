"""Monte-Carlo-dropout uncertainty maps for models with dropout in the decode head.

Gal & Ghahramani, "Dropout as a Bayesian Approximation: Representing Model Uncertainty in Deep
Learning" (ICML 2016): keeping dropout active at test time and averaging T stochastic passes
approximates the predictive distribution; its entropy and the variance across passes are
per-pixel uncertainty maps. As in study 003's training (``MCDropoutFCNHead``), only the head
is sampled: the backbone features are computed once and the head's forward is run T times
with its dropout layers (and nothing else: BatchNorm stays in eval mode) in training mode.
"""
import contextlib
from typing import Iterator, List, Sequence, Union

import torch
from mmseg.models import BaseSegmentor
from mmseg.structures import SegDataSample
from mmengine.structures import PixelData
from torch import nn

from .inference import ImageType, prepare_data

_DROPOUT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout,
            nn.FeatureAlphaDropout)


def head_dropout_layers(model: BaseSegmentor) -> List[nn.Module]:
    """The active (p > 0) dropout layers of ``model.decode_head``."""
    head = getattr(model, 'decode_head', None)
    if head is None:
        raise ValueError(f'{type(model).__name__} has no decode_head: Monte-Carlo dropout '
                         f'samples the decode head of an encoder-decoder segmentor.')
    return [m for m in head.modules() if isinstance(m, _DROPOUT) and m.p > 0]


@contextlib.contextmanager
def head_dropout_active(model: BaseSegmentor) -> Iterator[None]:
    """Put the decode head's dropout layers (only them) in training mode, then restore."""
    layers = head_dropout_layers(model)
    if not layers:
        raise ValueError(
            f'{type(model.decode_head).__name__} has no dropout (model.decode_head.'
            f'dropout_ratio is 0): every Monte-Carlo pass would be identical. Uncertainty maps '
            f'need a head trained with dropout_ratio > 0 (e.g. the study-003 FCN configs).')
    modes = [m.training for m in layers]
    try:
        for m in layers:
            m.train()
        yield
    finally:
        for m, mode in zip(layers, modes):
            m.train(mode)


def _probabilities(logits: torch.Tensor) -> torch.Tensor:
    logits = logits.float()
    if logits.shape[1] == 1:  # binary head with a sigmoid output (out_channels=1)
        foreground = logits.sigmoid()
        return torch.cat([1 - foreground, foreground], dim=1)
    return logits.softmax(dim=1)


def mc_dropout_inference(model: BaseSegmentor, img: ImageType, samples: int = 10,
                         seed: Union[int, None] = 0
                         ) -> Union[SegDataSample, Sequence[SegDataSample]]:
    """Mean prediction and uncertainty maps from ``samples`` MC-dropout passes of the head.

    Args:
        model (BaseSegmentor): An encoder-decoder from :func:`init_model`, with dropout in its
            decode head.
        img (str | ndarray | list): Image file(s) or BGR array(s).
        samples (int): T, the number of dropout passes (>= 2). Default: 10.
        seed (int, optional): Seed of the dropout masks, for reproducible maps; None leaves the
            global torch generator alone. Default: 0.

    Returns:
        SegDataSample | list[SegDataSample]: at the image's original size,
        ``pred_sem_seg`` (argmax of the mean probabilities), ``seg_logits`` (the mean
        softmax probabilities, C x H x W), ``entropy`` (predictive entropy of the mean, in nats,
        0 .. log C) and ``variance`` (variance across the T passes of the probability of the
        predicted class, 0 .. 0.25).
    """
    if int(samples) < 2:
        raise ValueError(f'mc-samples must be >= 2 to measure a spread, got {samples}')
    if model.test_cfg.get('mode', 'whole') != 'whole':
        raise ValueError(f"Monte-Carlo dropout supports test_cfg.mode='whole' only (the config "
                         f"has {model.test_cfg.get('mode')!r}): set model.test_cfg.mode=whole.")
    is_batch = isinstance(img, (list, tuple))
    generator_state = torch.random.get_rng_state() if seed is not None else None
    try:
        if seed is not None:
            torch.manual_seed(seed)
        # One image per forward, as in inference_model (sizes differ between images).
        results = [_mc_dropout_single(model, single, int(samples))
                   for single in (img if is_batch else [img])]
    finally:
        if generator_state is not None:
            torch.random.set_rng_state(generator_state)
    return results if is_batch else results[0]


def _mc_dropout_single(model: BaseSegmentor, img, samples: int) -> SegDataSample:
    data, _ = prepare_data(model, img)
    with torch.no_grad(), head_dropout_active(model):
        data = model.data_preprocessor(data, False)
        inputs, data_samples = data['inputs'], data['data_samples']
        metas = [sample.metainfo for sample in data_samples]
        feats = model.extract_feat(inputs)  # once: only the head is sampled
        probs = torch.stack([
            _probabilities(model.decode_head.predict(feats, metas, model.test_cfg))
            for _ in range(samples)])  # (T, 1, C, H, W)
    mean = probs.mean(dim=0)
    num_classes = mean.shape[1]
    # Back to the image's original size with mmseg's own geometry (padding, flip, resize):
    # the per-pass probabilities travel as extra channels, so pred and maps stay aligned.
    stacked = torch.cat([mean, probs.permute(1, 0, 2, 3, 4).flatten(1, 2)], dim=1)
    sample = model.postprocess_result(stacked, data_samples)[0]
    channels = sample.seg_logits.data
    mean = channels[:num_classes]
    passes = channels[num_classes:].view(samples, num_classes, *channels.shape[1:])
    pred = mean.argmax(dim=0, keepdim=True)
    entropy = -(mean.clamp_min(1e-12).log() * mean).sum(dim=0, keepdim=True)
    variance = passes.gather(1, pred.unsqueeze(0).expand(samples, -1, -1, -1)).var(
        dim=0, unbiased=False)
    sample.seg_logits = PixelData(data=mean)
    sample.pred_sem_seg = PixelData(data=pred)
    sample.set_field(PixelData(data=entropy), 'entropy')
    sample.set_field(PixelData(data=variance), 'variance')
    return sample
