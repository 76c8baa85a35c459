"""Everyday tools: best checkpoint next to the last, print_config, browse_dataset, and the
quickstart table without the classes absent from the split."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from seglab.evaluation.metric_files import SCALARS

from helpers import REPO, SMOKE_CONFIG as TINY, load_tool

ENV = dict(os.environ, OMP_NUM_THREADS='1')

TABLE_LOG = """12/01 21:00:00 - mmengine - INFO - per class results:
12/01 21:00:00 - mmengine - INFO - 
+-------------+-------+-------+-------+
|    Class    |  IoU  |  Acc  |  Dice |
+-------------+-------+-------+-------+
|  background | 98.34 |  99.9 | 99.16 |
|  aeroplane  |  nan  |  nan  |  nan  |
|    person   | 44.71 | 99.95 |  61.8 |
|    sheep    |  nan  |  nan  |  nan  |
+-------------+-------+-------+-------+
12/01 21:00:00 - mmengine - INFO - Iter(test) [8/8]    aAcc: 86.7700  mIoU: 71.5250
"""  # noqa: W291


def _tool(*args, cwd=None, timeout=300):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env=ENV, timeout=timeout)


def test_quickstart_table_shows_present_classes_only():
    summary = load_tool('tools/misc/quickstart_summary.py', 'quickstart_summary')
    table, absent = summary.drop_absent_classes(summary.per_class_table(TABLE_LOG))
    assert absent == ['aeroplane', 'sheep']
    rows = [line.split('|')[1].strip() for line in table.splitlines() if line.startswith('|')]
    assert rows == ['Class', 'background', 'person']
    border = '+-------------+-------+-------+-------+'
    assert table.splitlines()[0] == table.splitlines()[-1] == border


def test_study_configs_keep_the_best_checkpoint():
    configs = [TINY] + sorted(glob.glob(osp.join(REPO, 'configs', '00[0-4]_*', '*.py')))
    for config in configs:
        cfg = Config.fromfile(config)
        hook = cfg.default_hooks.checkpoint
        # A model without a mask (the image-level label + box model) has no mIoU to rank by.
        best = ('mIoU', 'greater') if cfg.model.get('decode_head') else ('val_loss', 'less')
        assert (hook.save_best, hook.rule, hook.save_last) == best + (True, ), config


@pytest.mark.slow
def test_best_checkpoint_and_summary_val_line(tmp_path, synthetic_voc_root):
    work = tmp_path / 'work'
    run = _tool(osp.join(REPO, 'tools', 'train.py'), TINY, '--work-dir', str(work),
                '--data-root', synthetic_voc_root, '--cfg-options', 'train_cfg.max_iters=2',
                'train_cfg.val_interval=2', 'val_evaluator.type=DetailedIoUMetric',
                timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    names = sorted(osp.basename(p) for p in glob.glob(str(work / '*.pth')))
    assert names == ['best_mIoU_iter_2.pth', 'iter_2.pth'], names
    line = [x for x in (run.stdout + run.stderr).splitlines() if 'Iter(val) [8/8]' in x][-1]
    assert 'mIoU: ' in line and 'IoU.background' not in line
    assert line.endswith('(105 per-class values in the table above)')  # 21 classes x 5
    scalars = glob.glob(str(work / '*' / SCALARS))[0]
    with open(scalars) as f:
        val = [json.loads(x) for x in f if '"mIoU"' in x][-1]
    assert 'IoU.background' in val and 'Recall.person' in val
    output = run.stdout + run.stderr
    for quiet in ('The prefix is not set', 'The draw is False', 'pkg_resources',
                  'MultiScaleDeformableAttention', '``build_loss``', 'FileClient',
                  'HardDiskBackend'):
        assert quiet not in output, quiet


def test_prefix_notice_is_dropped_from_the_runner_logger():
    import logging

    from mmengine.logging import MMLogger

    from seglab.engine import QuietLoggerHook
    logger = MMLogger.get_instance('seglab_prefix_filter_test', log_level='INFO')
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    QuietLoggerHook()  # the runner builds its hooks right after its logger
    logger.warning('The prefix is not set in metric class IoUMetric.')
    logger.warning('"HardDiskBackend" is the alias of "LocalBackend" and the former will be '
                   'deprecated in future.')
    logger.warning('The prefix is not set in metric class IoUMetric. And more.')
    assert [r.getMessage() for r in records] == [
        'The prefix is not set in metric class IoUMetric. And more.']


def test_summary_log_processor_drops_only_per_class_items(monkeypatch):
    from mmengine.runner import LogProcessor

    from seglab.engine import SummaryLogProcessor
    tag = {'aAcc': 90.0, 'mIoU': 41.5, 'IoU.potted plant': 12.25, 'Acc.tv/monitor': 3.0,
           'IoU_like': 1.0, 'data_time': 0.5}
    line = 'Iter(val) [8/8]    ' + '  '.join(f'{k}: {v:.4f}' for k, v in tag.items())
    monkeypatch.setattr(LogProcessor, 'get_log_after_epoch', lambda *a, **k: (dict(tag), line))
    got_tag, got_line = SummaryLogProcessor().get_log_after_epoch(None, 8, 'val')
    assert got_tag == tag
    assert got_line == ('Iter(val) [8/8]    aAcc: 90.0000  mIoU: 41.5000  IoU_like: 1.0000  '
                        'data_time: 0.5000  (2 per-class values in the table above)')


def test_known_harmless_warnings_are_filtered_by_message():
    import warnings

    from seglab import warning_filters
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter('always')
        warning_filters.install()
        warnings.warn('``build_loss`` would be deprecated soon, please use x', UserWarning)
        warnings.warn('pkg_resources is deprecated as an API. See ...', DeprecationWarning)
        warnings.warn('The draw is False, it means that the hook for visualization will not '
                      'take effect. The results will NOT be visualized or stored.', UserWarning)
        warnings.warn('some other deprecation', UserWarning)
    assert [str(w.message) for w in caught] == ['some other deprecation']


def test_print_config_resolves_and_dumps(tmp_path):
    dump = str(tmp_path / 'resolved.py')
    run = _tool(osp.join(REPO, 'tools', 'misc', 'print_config.py'), TINY, '--data-root',
                str(tmp_path), '--cfg-options', 'train_dataloader.batch_size=3', '--dump', dump)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.startswith('Config:\n')
    cfg = Config.fromfile(dump)
    assert cfg.train_dataloader.batch_size == 3
    assert cfg.test_dataloader.dataset.data_root == str(tmp_path)
    assert cfg.model.decode_head.channels == 8  # inherited from the quickstart base


def test_browse_dataset_paints_the_split(tmp_path, synthetic_voc_root):
    out = tmp_path / 'browse'
    run = _tool(osp.join(REPO, 'tools', 'misc', 'browse_dataset.py'), TINY, '--split', 'val',
                '--data-root', synthetic_voc_root, '--output-dir', str(out), '--max-images', '2')
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(os.listdir(out)) == 2
    assert run.stdout.strip().endswith(f'2 image(s) of the val split painted into {out}')
