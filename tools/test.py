"""Test (and evaluate) a segmentor (mmseg's tools/test.py, with seglab registered)."""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import seglab  # noqa: E402,F401
from mmengine.runner import Runner  # noqa: E402
from seglab.compat.key_report import require_complete_checkpoint  # noqa: E402
from seglab.engine import SafeResumeRunner  # noqa: E402
from seglab.utils.dist import distributed_session  # noqa: E402
from seglab.utils.cli import add_common_args, autocast_eval_loops, load_config  # noqa: E402
from seglab.utils.config_checks import explain_build_errors  # noqa: E402
from seglab.utils.data_root import check_data_roots  # noqa: E402
from seglab.utils.config_keys import check_config_keys  # noqa: E402
from seglab.utils.split_lists import check_split_lists  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='MMSeg test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='directory to save the predicted masks (PNG)')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument('--show-dir', help='directory to save painted predictions')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument('--tta', action='store_true', help='test-time augmentation')
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='evaluate even if the checkpoint lacks model weights (missing keys or other '
        'shapes leave those weights as initialised); by default that is an error')
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
    if not args.no_key_check:
        check_config_keys(cfg)  # misspelt keys, named before anything is built
    autocast_eval_loops(cfg)  # an AMP config tests under its autocast
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
    check_data_roots(cfg, ['test_dataloader'])
    check_split_lists(cfg, ['test_dataloader'])
    with distributed_session(cfg), explain_build_errors():
        # SafeResumeRunner hands its log dir to the metrics that write files.
        runner = (SafeResumeRunner if 'runner_type' not in cfg else Runner).from_cfg(cfg)
        if args.allow_partial_checkpoint:
            runner.test()
        else:
            with require_complete_checkpoint(runner.model, args.checkpoint,
                                             'pass --allow-partial-checkpoint'):
                runner.test()


if __name__ == '__main__':
    main()
