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
import torch.nn.functional as F


def boundary_width(height: int, width: int, dilation_ratio: float) -> int:
    """``d = max(1, round(dilation_ratio * sqrt(H^2 + W^2)))`` pixels."""
    if dilation_ratio <= 0:
        raise ValueError(f'boundary_dilation_ratio must be > 0, got {dilation_ratio}')
    return max(1, int(round(dilation_ratio * math.hypot(height, width))))


def mask_boundary(mask: torch.Tensor, width: int) -> torch.Tensor:
    """Inner boundary of a binary (H, W) or (N, H, W) mask: ``mask & ~erode(mask, width)``.

    Pixels outside the image count as background, so objects touching the border have a
    boundary along it (as in Cheng et al.'s ``mask_to_boundary``).
    """
    squeeze = mask.dim() == 2
    m = mask.float()
    if squeeze:
        m = m[None]
    padded = F.pad(m[:, None], (width, width, width, width), value=0.0)
    # min-pool = erosion; max_pool2d on the negation gives it with the zero padding above.
    eroded = -F.max_pool2d(-padded, kernel_size=2 * width + 1, stride=1)
    boundary = (m[:, None] > 0) & ~(eroded > 0)
    boundary = boundary[:, 0]
    return boundary[0] if squeeze else boundary


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
    area_intersect = torch.zeros(num_classes, dtype=torch.float64)
    area_union = torch.zeros(num_classes, dtype=torch.float64)
    present = torch.unique(torch.cat([pred_label[valid].flatten(), label[valid].flatten()]))
    for c in present.tolist():
        if not 0 <= c < num_classes:
            continue
        gt_b = mask_boundary(label == c, d) & valid
        pred_b = mask_boundary(pred_label == c, d) & valid
        area_intersect[c] = (gt_b & pred_b).sum()
        area_union[c] = (gt_b | pred_b).sum()
    return area_intersect, area_union
