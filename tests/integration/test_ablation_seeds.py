"""End to end on real trainings: ablation.py --seeds (2 arms x 2 seeds), then compare_runs and
plot_curves on its output; a killed run resumed by the runner ends like an uninterrupted one."""
import csv
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from seglab.evaluation.metric_files import DETAILED_METRICS

import helpers
from helpers import REPO, SMOKE_CONFIG

VARIANTS = ['--variant', 'ce', 'model.decode_head.loss_decode.type=CrossEntropyLoss',
            '--variant', 'dice', 'model.decode_head.loss_decode.type=MultiClassDiceLoss']


def load_tool(name):
    return helpers.load_tool(f'tools/analysis_tools/{name}.py', f'seeds_{name}')


def options(voc_root):
    return [f'{loader}.dataset.data_root={voc_root}'
            for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')] + [
        'val_evaluator.type=DetailedIoUMetric', 'val_evaluator.per_image=True',
        'train_cfg.max_iters=4', 'train_cfg.val_interval=2', 'optim_wrapper.optimizer.lr=0.05']


def detailed(work_dir):
    stamp = sorted(d for d in os.listdir(work_dir) if osp.isfile(
        osp.join(work_dir, d, DETAILED_METRICS)))[-1]
    return json.load(open(osp.join(work_dir, stamp, DETAILED_METRICS)))


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    monkeypatch.setenv('PYTHONPATH', REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))


@pytest.mark.slow
def test_two_arms_two_seeds_end_to_end(synthetic_voc_root, tmp_path, capsys):
    root = str(tmp_path / 'root')
    load_tool('ablation').main([SMOKE_CONFIG, *VARIANTS, '--seeds', '0', '1', '--work-dir',
                                root, '--baseline', 'ce', '--cfg-options',
                                *options(synthetic_voc_root)])
    out = capsys.readouterr().out
    assert out.count(': done in ') == 4 and 'progress: 4/4 runs' in out
    summary = json.load(open(osp.join(root, 'summary.json')))
    for arm in ('ce', 'dice'):
        values = [detailed(osp.join(root, arm, f'seed{s}'))['summary']['mIoU'] for s in (0, 1)]
        stats = summary['arms'][arm]['metrics']['mIoU']
        assert stats['values'] == {'0': values[0], '1': values[1]}
        assert stats['mean'] == pytest.approx(np.mean(values))
        assert summary['arms'][arm]['steps'] == {'0': 4, '1': 4}
    rows = list(csv.DictReader(open(osp.join(root, 'summary.csv'))))
    assert {r['verdict'] for r in rows if r['arm'] == 'dice'} <= {'better', 'worse',
                                                                  'unresolved'}
    # Rerun: everything is skipped, the table is the same.
    load_tool('ablation').main([SMOKE_CONFIG, *VARIANTS, '--seeds', '0', '1', '--work-dir',
                                root, '--baseline', 'ce', '--cfg-options',
                                *options(synthetic_voc_root)])
    assert capsys.readouterr().out.count('skipped (finished earlier)') == 4
    assert json.load(open(osp.join(root, 'summary.json'))) == summary
    drawn = load_tool('plot_curves').main([root, '--out', str(tmp_path / 'curves.png'),
                                           '--keys', 'mIoU', 'loss'])
    assert drawn['mIoU']['ce'][0] == [2.0, 4.0]

    # Kill ce seed0 after its first checkpoint in another root, rerun the runner: resumed,
    # and the final metrics equal the uninterrupted run's.
    other = str(tmp_path / 'other')
    from seglab.analysis.seed_runner import plan, train_argv
    job = plan([SMOKE_CONFIG], [0], other, options(synthetic_voc_root),
               [('ce', VARIANTS[2])])[0]
    proc = subprocess.Popen(train_argv(job, REPO, resume=False), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    pointer = osp.join(job.work_dir, 'last_checkpoint')
    deadline = time.time() + 240
    while not osp.isfile(pointer) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not osp.isfile(osp.join(job.work_dir, 'iter_4.pth')), 'the kill came too late'
    load_tool('ablation').main([SMOKE_CONFIG, '--variant', 'ce', VARIANTS[2], '--seeds', '0',
                                '--work-dir', other, '--cfg-options',
                                *options(synthetic_voc_root)])
    assert '[1/1] ce seed0: resumed in ' in capsys.readouterr().out
    resumed, reference = detailed(job.work_dir), detailed(osp.join(root, 'ce', 'seed0'))
    assert resumed['summary'] == reference['summary']
    assert resumed['per_class'] == reference['per_class']


EPOCH_CONFIG = """
_base_ = [{base!r}]
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop', max_epochs=2, val_interval=1)
train_dataloader = dict(sampler=dict(type='DefaultSampler', shuffle=True))
default_hooks = dict(logger=dict(interval=3, log_metric_by_epoch=True),
                     checkpoint=dict(by_epoch=True, interval=1))
val_evaluator = dict(type='DetailedIoUMetric')
"""


@pytest.mark.slow
def test_epoch_based_run_curves_sit_at_their_iterations(synthetic_voc_root, tmp_path):
    """16 images, batch 2: 8 iterations per epoch; mmengine logs the epoch as val step."""
    from seglab.analysis.curves import read_curves
    config = tmp_path / 'epochs.py'
    config.write_text(EPOCH_CONFIG.format(base=SMOKE_CONFIG))
    work_dir = str(tmp_path / 'run')
    proc = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'train.py'), str(config),
                           '--work-dir', work_dir, '--cfg-options',
                           *options(synthetic_voc_root)[:3]], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    train, val, by_epoch = read_curves(work_dir)
    assert by_epoch and [p['step'] for p in val] == [1, 2]
    assert [(p['iter'], p['epoch']) for p in val] == [(8, 1), (16, 2)]
    assert detailed(work_dir)['epoch'] == 2 and detailed(work_dir)['iter'] == 16
    assert train[-1]['epoch'] == pytest.approx(train[-1]['step'] / 8)
