"""Export a trained segmentor to ONNX and check it against PyTorch with onnxruntime.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --shape 360 480 [--dynamic]

The graph takes a float32 image batch (N, 3, H, W) in 0..255, in the channel order of the
config's loader (BGR for mmcv's), and returns logits (N, num_classes, H, W); normalisation is
inside it. The parity check prints the largest absolute logit difference between onnxruntime
and PyTorch and fails above --tolerance. Needs `pip install -e ".[onnx]"`.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import seglab.apis  # noqa: E402,F401  (first: compat layer for mmcv-lite + registration)
from mmengine.config import DictAction  # noqa: E402
from seglab.utils.cli import read_config  # noqa: E402
from mmengine.model import revert_sync_batchnorm  # noqa: E402
from mmseg.apis import init_model  # noqa: E402
from seglab.apis.onnx_export import check_onnx, check_shapes, export_onnx  # noqa: E402
from seglab.compat import trust_checkpoint  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file (omit only to try '
                        'the export with random weights)')
    parser.add_argument('--shape', type=int, nargs=2, default=None, metavar=('H', 'W'),
                        help='input height and width (default: the config\'s crop_size)')
    parser.add_argument('--dynamic', action='store_true',
                        help='dynamic batch, height and width (checked at a second size)')
    parser.add_argument('--output-file', help='the .onnx file (default: next to the '
                        'checkpoint, or work_dirs/<config name>.onnx)')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset version')
    parser.add_argument('--tolerance', type=float, default=1e-3,
                        help='largest accepted absolute logit difference')
    parser.add_argument('--skip-check', action='store_true',
                        help='export only (no onnxruntime parity check)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='load a legacy checkpoint with full unpickling (only for files '
                        'you trust)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = read_config(args.config, args.cfg_options)
    shape = tuple(args.shape or cfg.get('crop_size') or ())
    if len(shape) != 2:
        raise SystemExit('--shape H W is needed: the config has no crop_size.')
    if args.trust_checkpoint and args.checkpoint:
        trust_checkpoint(args.checkpoint)
    if args.checkpoint and not osp.isfile(args.checkpoint):
        raise SystemExit(f'Checkpoint {args.checkpoint!r} does not exist.')
    model = revert_sync_batchnorm(init_model(cfg, args.checkpoint, device='cpu'))
    out = args.output_file
    if out is None:
        name = osp.splitext(osp.basename(args.checkpoint or args.config))[0] + '.onnx'
        out = osp.join(osp.dirname(args.checkpoint) if args.checkpoint else 'work_dirs', name)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    wrapper = export_onnx(model, out, shape, dynamic=args.dynamic, opset=args.opset)
    print(f'ONNX model written to {out} (input {shape[0]}x{shape[1]}'
          f'{", dynamic batch/height/width" if args.dynamic else ""})')
    if args.skip_check:
        return
    divisor = (cfg.model.get('data_preprocessor') or {}).get('test_cfg', {}) or {}
    shapes = check_shapes(shape, args.dynamic, divisor.get('size_divisor'))
    worst = 0.0
    for input_shape, diff in check_onnx(wrapper, out, shapes).items():
        print(f'onnxruntime vs PyTorch, input {input_shape}: max abs logit difference {diff:.3g}')
        worst = max(worst, diff)
    if worst > args.tolerance:
        raise SystemExit(f'Parity check failed: {worst:.3g} > --tolerance {args.tolerance}')
    print('Parity check passed.')


if __name__ == '__main__':
    main()
