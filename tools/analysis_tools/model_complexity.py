"""Parameters and FLOPs of segmentation models from their configs, as a Markdown table.

For every CONFIG the model is built (weights are not loaded: ``init_cfg`` is irrelevant to the
counts) and one input of ``--shape`` (default 256x256) goes through ``EncoderDecoder``'s tensor
forward (backbone + decode head, no auxiliary head, no final resize) under mmengine's
``get_model_complexity_info``. mmengine counts one multiply-add as one FLOP (fvcore's
convention), so "GFLOPs" here are GMACs; papers that count a multiply-add as two FLOPs report
twice these numbers. Parameters are every parameter of the built model (trainable or not,
auxiliary heads included). Examples::

    python tools/analysis_tools/model_complexity.py configs/_base_/models/unet.py \\
        configs/_base_/models/unet_r50.py --shape 256 256 --num-classes 8
    python tools/analysis_tools/model_complexity.py configs/_base_/models/segnet*.py \\
        --out work_dirs/complexity.md

See docs/models.md.
"""
import argparse
import copy
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

import torch

# Running the tool from a source checkout must measure this checkout's seglab.
sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import seglab  # noqa: E402,F401  (before mmseg.models: compat layer, registries)
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

from mmseg.registry import MODELS


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Parameters and FLOPs of model configs')
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument('--shape', type=int, nargs=2, default=[256, 256],
                        metavar=('H', 'W'), help='input height and width (default 256 256)')
    parser.add_argument('--num-classes', type=int, default=None,
                        help="override every head's num_classes (default: the config's)")
    parser.add_argument('--out', help='also write the Markdown table to this file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, as in tools/train.py')
    return parser.parse_args(argv)


def _set_num_classes(model_cfg, num_classes: int) -> None:
    for key in ('decode_head', 'auxiliary_head'):
        heads = model_cfg.get(key)
        for head in (heads if isinstance(heads, list) else [heads]):
            if head is not None and 'num_classes' in head:
                head['num_classes'] = num_classes
                if head.get('out_channels', num_classes) != 1:
                    head['out_channels'] = num_classes


def measure(config: str, shape=(256, 256), num_classes: Optional[int] = None,
            cfg_options: Optional[dict] = None) -> Dict[str, object]:
    """Params and FLOPs of ``config``'s model for one ``3 x H x W`` input."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise ValueError(f'{config}: no `model` field; pass a model or full config')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model_cfg = copy.deepcopy(cfg.model)
    if num_classes is not None:
        _set_num_classes(model_cfg, num_classes)
    model = MODELS.build(model_cfg)
    model.eval()
    head = model_cfg.decode_head
    head = head[-1] if isinstance(head, list) else head
    inputs = torch.zeros(1, 3, *shape)
    with torch.no_grad():
        info = get_model_complexity_info(model, inputs=inputs, show_table=False,
                                         show_arch=False)
    return dict(
        config=config,
        backbone=model_cfg.backbone.type,
        head=head.type,
        num_classes=head.get('num_classes'),
        params=sum(p.numel() for p in model.parameters()),
        flops=info['flops'])


def to_markdown(rows: List[Dict[str, object]], shape) -> str:
    lines = [f'| config | backbone | head | classes | params (M) | GFLOPs @{shape[0]}x{shape[1]} |',
             '| --- | --- | --- | --- | ---: | ---: |']
    for r in rows:
        lines.append(f"| {r['config']} | {r['backbone']} | {r['head']} | {r['num_classes']} | "
                     f"{r['params'] / 1e6:.2f} | {r['flops'] / 1e9:.2f} |")
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    rows = []
    for config in args.configs:
        if not osp.isfile(config):
            sys.exit(f'model_complexity: config not found: {config}')
        rows.append(measure(config, tuple(args.shape), args.num_classes, args.cfg_options))
    table = to_markdown(rows, args.shape)
    print(table)
    if args.out:
        if osp.dirname(args.out):
            os.makedirs(osp.dirname(args.out), exist_ok=True)
        with open(args.out, 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
