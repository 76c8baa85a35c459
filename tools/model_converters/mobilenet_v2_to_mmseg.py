"""Convert an ImageNet MobileNetV2 state dict into mmseg's ``MobileNetV2`` layout.

Sources (detected from the keys):

* the "tonylins" PyTorch MobileNetV2 (``features.0.0`` conv, ``features.0.1`` BN,
  ``features.{i}.conv.{0,1,3,4[,6,7]}``), e.g. ``../shared/weights/mobilenet_v2_imagenet.pt``;
* torchvision's ``mobilenet_v2`` (``features.{i}.conv.{0.0,0.1,1.0,1.1,2,3}``).

The output is ``{'state_dict': ...}`` with the keys of ``mmseg.models.backbones.MobileNetV2``
(``conv1.conv``, ``conv1.bn``, ``layer{1..7}.{j}.conv.{k}.conv/bn``), for
``backbone.init_cfg=dict(type='Pretrained', checkpoint=DST)``. The last 1x1 conv to 1280
channels (``features.18``) and any classifier have no counterpart in mmseg's backbone and
are dropped (listed on stdout).

The source is loaded like every seglab checkpoint (``weights_only``, seglab's refusal
message); ``--trust-checkpoint SRC`` opts one trusted legacy file into full unpickling.

Usage:
    python tools/model_converters/mobilenet_v2_to_mmseg.py SRC DST [--trust-checkpoint SRC]
"""
import argparse
import os
import os.path as osp
import sys
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

# Running the script from a source checkout must find this checkout's seglab.
sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from seglab.compat import safe_torch_load, trust_checkpoint  # noqa: E402

# mmseg MobileNetV2 arch_settings [expand_ratio, channels, num_blocks] per layer1..layer7.
ARCH = [[1, 16, 1], [6, 24, 2], [6, 32, 3], [6, 64, 4], [6, 96, 3], [6, 160, 3], [6, 320, 1]]
BN_SUFFIXES = ('weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked')


def block_index() -> Dict[int, Tuple[int, int, int]]:
    """``features`` index -> (mmseg layer, block, expand_ratio)."""
    table, feature = {}, 1
    for layer, (expand, _, num_blocks) in enumerate(ARCH, start=1):
        for block in range(num_blocks):
            table[feature] = (layer, block, expand)
            feature += 1
    return table


def detect_layout(keys: List[str]) -> str:
    """'torchvision' or 'tonylins'; raises ValueError for anything else."""
    if 'features.1.conv.0.0.weight' in keys:
        return 'torchvision'
    if 'features.1.conv.0.weight' in keys and 'features.0.0.weight' in keys:
        return 'tonylins'
    raise ValueError(
        'Not a MobileNetV2 state dict in the tonylins or torchvision layout: expected '
        "'features.0.0.weight' and 'features.1.conv.0.weight' (tonylins) or "
        "'features.1.conv.0.0.weight' (torchvision); first keys: " + ', '.join(keys[:5]))


def module_map(layout: str) -> Dict[str, str]:
    """Source module prefix -> mmseg module prefix (conv ``.weight`` and BN parameters)."""
    mapping = {'features.0.0': 'conv1.conv', 'features.0.1': 'conv1.bn'}
    for feature, (layer, block, expand) in block_index().items():
        dst = f'layer{layer}.{block}.conv'
        src = f'features.{feature}.conv'
        num_units = 2 if expand == 1 else 3  # (dw, pw-linear) or (pw, dw, pw-linear)
        for unit in range(num_units):
            if layout == 'tonylins':  # Sequential(conv, bn, relu6, conv, bn, [relu6, conv, bn])
                conv, bn = f'{src}.{3 * unit}', f'{src}.{3 * unit + 1}'
            elif unit < num_units - 1:  # torchvision: Conv2dNormActivation(conv, bn, relu6)
                conv, bn = f'{src}.{unit}.0', f'{src}.{unit}.1'
            else:  # torchvision: the linear projection is a bare conv + bn
                conv, bn = f'{src}.{unit}', f'{src}.{unit + 1}'
            mapping[conv] = f'{dst}.{unit}.conv'
            mapping[bn] = f'{dst}.{unit}.bn'
    return mapping


def convert(state_dict: Dict[str, torch.Tensor]) -> Tuple[OrderedDict, List[str]]:
    """Return (converted state dict, source keys dropped)."""
    state_dict = {(k[len('module.'):] if k.startswith('module.') else k): v
                  for k, v in state_dict.items()}
    layout = detect_layout(list(state_dict))
    mapping = module_map(layout)
    converted, dropped = OrderedDict(), []
    for key, value in state_dict.items():
        prefix, _, suffix = key.rpartition('.')
        if prefix in mapping and suffix in BN_SUFFIXES:
            converted[f'{mapping[prefix]}.{suffix}'] = value
        else:
            dropped.append(key)
    expected = sum(1 if v.endswith('.conv') else 5 for v in mapping.values())
    if len(converted) != expected:
        raise ValueError(f'Converted {len(converted)} tensors, expected {expected} for the '
                         f'{layout} MobileNetV2 layout: the source is incomplete or of '
                         f'another width/architecture.')
    return converted, dropped


def load_source(path: str) -> Dict[str, torch.Tensor]:
    """Load a plain state dict (or ``{'state_dict'|'model': ...}``) with weights_only."""
    obj = safe_torch_load(path, map_location='cpu')
    for field in ('state_dict', 'model'):
        if isinstance(obj, dict) and isinstance(obj.get(field), dict):
            obj = obj[field]
    if not isinstance(obj, dict):
        raise ValueError(f'{path}: expected a state dict, got {type(obj).__name__}')
    return obj


def main() -> None:
    parser = argparse.ArgumentParser(
        description='Convert an ImageNet MobileNetV2 (tonylins or torchvision layout) to '
        "mmseg's MobileNetV2 backbone layout")
    parser.add_argument('src', help='source state dict (.pt/.pth)')
    parser.add_argument('dst', help='output checkpoint, e.g. work_dirs/pretrained/x.pth')
    parser.add_argument(
        '--trust-checkpoint',
        action='append',
        default=[],
        metavar='PATH',
        help='load this legacy source file with full unpickling (it can run code: only for '
        'files you trust). By default the source loads with weights_only=True.')
    args = parser.parse_args()
    for path in args.trust_checkpoint:
        trust_checkpoint(path)
    converted, dropped = convert(load_source(args.src))
    if osp.dirname(args.dst):
        os.makedirs(osp.dirname(args.dst), exist_ok=True)
    torch.save({'state_dict': converted}, args.dst)
    print(f'{len(converted)} tensors written to {args.dst}')
    if dropped:
        print(f'dropped (no counterpart in mmseg MobileNetV2): {", ".join(dropped)}')


if __name__ == '__main__':
    main()
