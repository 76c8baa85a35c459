"""Boundary regions and boundary IoU areas (Cheng et al., "Boundary IoU: Improving
Object-Centric Image Segmentation Evaluation", CVPR 2021; study 004 §III.F, §IV).

The boundary of a binary mask is the mask minus its erosion by ``d`` pixels, where
``d = max(1, round(dilation_ratio * image_diagonal))``. As in the reference implementation
(``mask_to_boundary``: zero padding, ``d`` iterations of a 3x3 erosion), the image border
counts as an edge and the erosion is a Chebyshev (square) one.
"""
import math
from typing import Tuple

import torch


def boundary_width(height: int, width: int, dilation_ratio: float) -> int:
    """``d = max(1, round(dilation_ratio * sqrt(H^2 + W^2)))`` pixels."""
    if dilation_ratio <= 0:
        raise ValueError(f'boundary_dilation_ratio must be > 0, got {dilation_ratio}')
    return max(1, int(round(dilation_ratio * math.hypot(height, width))))


def _sliding_max(x: torch.Tensor, size: int, dim: int) -> torch.Tensor:
    """Max over a centred window of odd ``size`` along ``dim``; outside values are ignored.

    A sparse table (doubling) needs O(log size) element-wise maxima instead of ``size``, which
    keeps the 93-pixel windows of 1024x2048 images cheap on the CPU.
    """
    half = size // 2
    n = x.shape[dim]
    pad_shape = list(x.shape)
    pad_shape[dim] = half
    fill = torch.full(pad_shape, float('-inf'), dtype=x.dtype, device=x.device)
    table = torch.cat([fill, x, fill], dim=dim)  # length n + size - 1
    span = 1
    while span * 2 <= size:
        length = table.shape[dim] - span
        table = torch.maximum(table.narrow(dim, 0, length), table.narrow(dim, span, length))
        span *= 2
    # table[i] = max over [i, i + span); cover [i, i + size) with two overlapping spans.
    return torch.maximum(table.narrow(dim, 0, n), table.narrow(dim, size - span, n))


def label_boundary(label: torch.Tensor, width: int) -> torch.Tensor:
    """Pixels within ``width`` (Chebyshev distance) of a pixel with another label or of the
    image border, for an (H, W) label map.

    For every class ``c`` at once, ``(label == c) & label_boundary(label, width)`` is the mask
    of ``c`` minus its ``width``-pixel erosion with zero padding, i.e. Cheng et al.'s boundary.
    """
    x = label.to(torch.float32)
    size = 2 * width + 1
    window_max = _sliding_max(_sliding_max(x, size, -1), size, -2)
    window_min = -_sliding_max(_sliding_max(-x, size, -1), size, -2)
    boundary = window_max != window_min
    height, wid = label.shape[-2:]
    boundary[..., :width, :] = True
    boundary[..., max(height - width, 0):, :] = True
    boundary[..., :, :width] = True
    boundary[..., :, max(wid - width, 0):] = True
    return boundary


def mask_boundary(mask: torch.Tensor, width: int) -> torch.Tensor:
    """Inner boundary of a binary (H, W) mask: ``mask & ~erode(mask, width)``.

    Pixels outside the image count as background, so objects touching the border have a
    boundary along it (as in Cheng et al.'s ``mask_to_boundary``).
    """
    mask = mask.bool()
    return mask & label_boundary(mask, width)


def boundary_intersect_and_union(pred_label: torch.Tensor, label: torch.Tensor,
                                 num_classes: int, ignore_index: int,
                                 dilation_ratio: float = 0.02
                                 ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-class boundary intersection and union areas of one image.

    For class ``c``: ``G_c`` and ``P_c`` are the boundaries of ``label == c`` and
    ``pred_label == c``; pixels with ``label == ignore_index`` are then removed from both,
    and ``|G_c & P_c|``, ``|G_c | P_c|`` are returned as two ``(num_classes,)`` float tensors
    (boundary IoU of the class = intersect / union, summed over images first).
    """
    if pred_label.shape != label.shape:
        raise ValueError(f'prediction {tuple(pred_label.shape)} and ground truth '
                         f'{tuple(label.shape)} must have the same shape for boundary IoU')
    height, width = label.shape[-2:]
    d = boundary_width(height, width, dilation_ratio)
    valid = label != ignore_index
    # One boundary map per label map serves all classes (each pixel has exactly one label).
    gt_b = (label_boundary(label, d) & valid).flatten()
    pred_b = (label_boundary(pred_label, d) & valid).flatten()
    gt, pred = label.flatten().long(), pred_label.flatten().long()
    in_range_gt = (gt >= 0) & (gt < num_classes)
    in_range_pred = (pred >= 0) & (pred < num_classes)
    gt_b, pred_b = gt_b & in_range_gt, pred_b & in_range_pred
    # G_c and P_c overlap only where gt == pred == c.
    both = gt_b & pred_b & (gt == pred)
    area_gt = torch.bincount(gt[gt_b], minlength=num_classes)[:num_classes]
    area_pred = torch.bincount(pred[pred_b], minlength=num_classes)[:num_classes]
    area_intersect = torch.bincount(gt[both], minlength=num_classes)[:num_classes]
    area_union = area_gt + area_pred - area_intersect
    return area_intersect.cpu().double(), area_union.cpu().double()
