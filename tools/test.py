"""Test (and evaluate) a segmentor (mmseg's tools/test.py, with seglab registered)."""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import seglab  # noqa: E402,F401
from mmengine.runner import Runner  # noqa: E402
from seglab.utils.dist import distributed_session  # noqa: E402
from seglab.utils.cli import add_common_args, load_config  # noqa: E402
from seglab.utils.config_checks import explain_build_errors  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='MMSeg test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='directory to save the predicted masks (PNG)')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument('--show-dir', help='directory to save painted predictions')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument('--tta', action='store_true', help='test-time augmentation')
    return add_common_args(parser).parse_args()


def trigger_visualization_hook(cfg, args):
    if 'visualization' not in cfg.default_hooks:
        raise RuntimeError('--show/--show-dir need a VisualizationHook in default_hooks: add '
                           "visualization=dict(type='SegVisualizationHook') to the config.")
    hook = cfg.default_hooks['visualization']
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir
    return cfg


def main():
    args = parse_args()
    cfg = load_config(args, checkpoint=args.checkpoint)
    if args.show or args.show_dir:
        trigger_visualization_hook(cfg, args)
    if args.tta:
        if 'tta_pipeline' not in cfg:
            raise KeyError('--tta needs `tta_pipeline` in the config (see mmseg dataset '
                           'configs, e.g. configs/_base_/datasets/voc8.py).')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    with distributed_session(cfg), explain_build_errors():
        runner = Runner.from_cfg(cfg)
        runner.test()


if __name__ == '__main__':
    main()
