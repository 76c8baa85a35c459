import json
import os.path as osp
import subprocess
import sys
import textwrap

import pytest

from seglab.analysis import run_lock

pytestmark = pytest.mark.skipif(run_lock.fcntl is None, reason='no fcntl on this platform')

HOLDER = textwrap.dedent('''
    import sys, time
    from seglab.analysis import run_lock
    handle, who = run_lock.acquire(sys.argv[1])
    print('held' if handle else who, flush=True)
    time.sleep(60)
''')


def hold_in_another_process(work_dir):
    proc = subprocess.Popen([sys.executable, '-c', HOLDER, str(work_dir)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == 'held'
    return proc


def test_a_lock_held_elsewhere_is_refused_and_named(tmp_path):
    proc = hold_in_another_process(tmp_path / 'seed0')
    try:
        handle, who = run_lock.acquire(str(tmp_path / 'seed0'))
        assert handle is None
        holder = json.loads(who.split(' holds ')[0])
        assert holder['pid'] == proc.pid
        assert who.endswith(f" holds {osp.join(tmp_path, 'seed0', 'ablation.lock')}")
        # another folder is not affected
        other, _ = run_lock.acquire(str(tmp_path / 'seed1'))
        assert other is not None
        run_lock.release(other)
    finally:
        proc.kill()
        proc.wait()
    # the kernel dropped the dead holder's lock: no stale file to delete by hand
    handle, who = run_lock.acquire(str(tmp_path / 'seed0'))
    assert who is None and handle is not None
    run_lock.release(handle)
    assert open(tmp_path / 'seed0' / 'ablation.lock').read() == ''


def test_release_lets_the_next_runner_in(tmp_path):
    first, _ = run_lock.acquire(str(tmp_path))
    assert json.load(open(tmp_path / 'ablation.lock'))['pid'] > 0
    run_lock.release(first)
    second, who = run_lock.acquire(str(tmp_path))
    assert who is None
    run_lock.release(second)
