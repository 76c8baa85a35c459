"""Segment one image with a trained model and paint the prediction (mmseg's image demo).

    python demo/image_demo.py IMG CONFIG CHECKPOINT --out-file result.png [--opacity 0.5]
    python demo/image_demo.py IMG CONFIG CHECKPOINT --out-file result.png --mc-samples 20

Classes and colours come from the checkpoint's dataset (the config's dataset class). With
``--mc-samples T`` the head's dropout stays on for T passes over features computed once; the
painted prediction is their mean, and ``<out>_entropy.png`` / ``<out>_variance.png`` are
written next to it (8-bit grey: white is an entropy of log(num_classes), the most it can be,
and for the variance the image's largest variance, which is printed).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from seglab.apis import (inference_model, init_model, mc_dropout_inference,  # noqa: E402
                         show_result_pyplot)
from seglab.compat import trust_checkpoint  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-file', default=None, help='where to save the painted image '
                        '(default: show it in a window)')
    parser.add_argument('--device', default='cuda:0' if torch.cuda.is_available() else 'cpu',
                        help='device used for inference (default: cuda:0 if present, else cpu)')
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='opacity of the painted segmentation map, in (0, 1]')
    parser.add_argument('--with-labels', action='store_true', default=False,
                        help='write the class names on the painted image')
    parser.add_argument('--title', default='result', help='the image window title')
    parser.add_argument('--mc-samples', type=int, default=0, metavar='T',
                        help='T Monte-Carlo dropout passes of the head: mean prediction plus '
                        'entropy and variance maps (needs a head with dropout_ratio > 0)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='load a legacy checkpoint with full unpickling (it can run code: '
                        'only for files you trust)')
    return parser.parse_args()


def uncertainty_files(out_file: str) -> dict:
    stem = osp.splitext(out_file)[0]
    return dict(entropy=f'{stem}_entropy.png', variance=f'{stem}_variance.png')


def save_map(values: torch.Tensor, full_scale: float, path: str) -> None:
    grey = (values.squeeze(0).clamp(0, full_scale) / full_scale * 255).round()
    Image.fromarray(grey.cpu().numpy().astype(np.uint8)).save(path)


def main():
    args = parse_args()
    if not 0 < args.opacity <= 1:
        raise SystemExit(f'--opacity must be in (0, 1], got {args.opacity}')
    if args.trust_checkpoint:
        trust_checkpoint(args.checkpoint)
    model = init_model(args.config, args.checkpoint, device=args.device)
    if args.mc_samples:
        result = mc_dropout_inference(model, args.img, samples=args.mc_samples)
    else:
        result = inference_model(model, args.img)
    show_result_pyplot(model, args.img, result, title=args.title, opacity=args.opacity,
                       with_labels=args.with_labels, draw_gt=False,
                       show=args.out_file is None, out_file=args.out_file)
    if args.out_file is not None:
        print(f'prediction painted on the image: {args.out_file}')
    if args.mc_samples:
        base = args.out_file or osp.join('.', osp.basename(args.img))
        num_classes = result.seg_logits.data.shape[0]
        files = uncertainty_files(base)
        save_map(result.entropy.data, float(np.log(num_classes)), files['entropy'])
        top = float(result.variance.data.max())
        save_map(result.variance.data, top if top > 0 else 1.0, files['variance'])
        print(f"uncertainty ({args.mc_samples} MC-dropout passes): entropy {files['entropy']} "
              f"(white = log {num_classes}), variance {files['variance']} (white = {top:.3g})")


if __name__ == '__main__':
    main()
