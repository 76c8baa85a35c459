"""Distributed runs on CPU: 2 gloo processes through tools/dist_train.sh and dist_test.sh."""
import glob
import json
import os
import os.path as osp
import re
import socket
import subprocess
import sys

import pytest
import torch

from seglab.compat import safe_torch_load
from seglab.datasets.synthetic_voc import generate_synthetic_voc
from seglab.evaluation.metric_files import SCALARS

from helpers import REPO, SMOKE_CONFIG



def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def env():
    return dict(os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable, PORT=free_port())


def data_options(root):
    return [f'{loader}.dataset.data_root={root}'
            for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]


def run(cmd, timeout=300):
    proc = subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=timeout,
                          cwd=REPO)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def dist_train(root, work_dir, *extra, iters=4):
    return run(['bash', osp.join(REPO, 'tools', 'dist_train.sh'), SMOKE_CONFIG, '2',
                '--work-dir', str(work_dir), *extra, '--cfg-options', *data_options(root),
                f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}'])


def scalars(work_dir):
    """The last line of mmengine's scalars.json of the newest run in ``work_dir``."""
    files = sorted(glob.glob(osp.join(work_dir, '*', SCALARS)))
    with open(files[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope='module')
def odd_voc(tmp_path_factory):
    """8 train and 5 val images: 5 does not split evenly over 2 ranks."""
    out = str(tmp_path_factory.mktemp('odd_voc'))
    return generate_synthetic_voc(out, num_train=8, num_val=5, seed=1,
                                  size_range=((60, 72), (72, 90)))


@pytest.fixture(scope='module')
def dist_trained(odd_voc, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('dist_train')
    log = dist_train(odd_voc, work_dir)
    return str(work_dir), log


def test_dist_train_writes_one_checkpoint_set_and_metrics(dist_trained):
    work_dir, log = dist_trained
    assert 'Distributed training: True' in log and 'GPU number: 2' in log  # 2 processes
    ckpt = safe_torch_load(osp.join(work_dir, 'iter_4.pth'))
    assert ckpt['meta']['iter'] == 4
    # Only rank 0 writes: one run directory, one log file, no temporary checkpoint files.
    runs = [d for d in os.listdir(work_dir) if osp.isdir(osp.join(work_dir, d))]
    assert len(runs) == 1
    assert len(glob.glob(osp.join(work_dir, runs[0], '*.log'))) == 1
    assert not glob.glob(osp.join(work_dir, '.*.tmp'))
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('iter_4.pth')
    metrics = [s for s in scalars(work_dir) if 'mIoU' in s]
    assert metrics and 0 <= metrics[-1]['mIoU'] <= 100
    # DDP keeps the replicas identical; the saved weights are finite.
    assert all(torch.isfinite(v).all() for v in ckpt['state_dict'].values()
               if v.is_floating_point())


def _test_metrics(log):
    found = re.findall(r'Iter\(test\) \[\d+/(\d+)\]\s+aAcc: ([\d.]+)\s+mIoU: ([\d.]+)\s+'
                       r'mAcc: ([\d.]+)', log)
    assert found, log[-3000:]
    return found[-1]


@pytest.mark.slow
def test_dist_test_counts_every_image_once(odd_voc, dist_trained, tmp_path):
    work_dir, _ = dist_trained
    ckpt = osp.join(work_dir, 'iter_4.pth')
    options = ['--cfg-options', f'test_dataloader.dataset.data_root={odd_voc}']
    dist_log = run(['bash', osp.join(REPO, 'tools', 'dist_test.sh'), SMOKE_CONFIG, ckpt, '2',
                    '--work-dir', str(tmp_path / 'dist'), *options])
    single_log = run([sys.executable, osp.join(REPO, 'tools', 'test.py'), SMOKE_CONFIG, ckpt,
                      '--work-dir', str(tmp_path / 'single'), *options])
    dist_iters, *dist_metrics = _test_metrics(dist_log)
    _, *single_metrics = _test_metrics(single_log)
    assert int(dist_iters) == 3  # 5 images over 2 ranks: 3 per rank, one of them padding
    # The padded duplicate is dropped before the metric: identical to one process.
    assert dist_metrics == single_metrics


@pytest.mark.slow
def test_dist_resume_continues_and_matches(odd_voc, dist_trained, tmp_path):
    work_dir, _ = dist_trained
    reference = tmp_path / 'reference'
    dist_train(odd_voc, reference, iters=6)
    resumed = tmp_path / 'resumed'
    os.makedirs(resumed)
    log = dist_train(odd_voc, resumed, '--resume', osp.join(work_dir, 'iter_4.pth'), iters=6)
    assert 'resumed epoch: 0, iter: 4' in log
    a = safe_torch_load(osp.join(resumed, 'iter_6.pth'))['state_dict']
    b = safe_torch_load(osp.join(reference, 'iter_6.pth'))['state_dict']
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different[:5]
