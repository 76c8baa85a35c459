"""Soak test: repeated kill -9 at random moments (also mid-save), resume, same final weights."""
import os.path as osp
import random
import signal
import subprocess
import time

import pytest

from seglab.compat import safe_torch_load
from test_resume import (assert_same_weights, checkpoint_iter, child_env, final_state,
                         last_checkpoint, run_train, train_command)

ITERS = 12
# Workers on (persistent), a save every iteration (so kills often land inside a save) and
# only one checkpoint kept (so a kill between write and prune matters).
OPTIONS = [f'train_cfg.max_iters={ITERS}', 'train_dataloader.num_workers=2',
           'train_dataloader.persistent_workers=True', 'default_hooks.checkpoint.interval=1',
           'default_hooks.checkpoint.max_keep_ckpts=1']


@pytest.mark.slow
def test_kill_resume_soak(synthetic_voc_root, tmp_path):
    reference = str(tmp_path / 'reference')
    run_train(synthetic_voc_root, reference, options=OPTIONS)
    rng = random.Random(1234)
    work_dir = str(tmp_path / 'soak')
    kills, finished = 0, False
    for _ in range(12):
        resume = ['--resume'] if last_checkpoint(work_dir) else []
        start_iter = checkpoint_iter(last_checkpoint(work_dir)) if resume else 0
        proc = subprocess.Popen(train_command(synthetic_voc_root, work_dir, *resume,
                                              options=OPTIONS),
                                env=child_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        # Kill a random 1-3 iterations past the resume point, plus a random fraction of an
        # iteration, so the signal lands in a forward/backward, a save or a prune (a target
        # at or below the resume point kills during start-up/resume). Never so late that the
        # run could finish first.
        target = min(start_iter + rng.randint(1, 3), ITERS - 3)
        deadline = time.time() + 180
        while proc.poll() is None and time.time() < deadline:
            ckpt = last_checkpoint(work_dir)
            if ckpt and checkpoint_iter(ckpt) >= target and kills < 4:
                time.sleep(rng.uniform(0, 0.25))
                proc.send_signal(signal.SIGKILL)
                kills += 1
                break
            time.sleep(0.01)
        proc.wait(timeout=60)
        if proc.returncode == 0:
            finished = True
            break
        assert proc.returncode == -signal.SIGKILL, f'training failed (rc {proc.returncode})'
        # Whatever the moment of the kill, the latest checkpoint is complete and loadable.
        latest = safe_torch_load(last_checkpoint(work_dir), map_location='cpu')
        assert latest['meta']['iter'] == checkpoint_iter(last_checkpoint(work_dir))
    assert finished and kills >= 3, (finished, kills)
    name = f'iter_{ITERS}.pth'
    resumed, _ = final_state(work_dir, name)
    expected, _ = final_state(reference, name)
    assert_same_weights(resumed, expected)
    assert osp.isfile(osp.join(work_dir, name))
