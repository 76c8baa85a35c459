"""One runner per work dir: a kernel lock (``flock``) on a file in the run's folder.

Two runners started on one queue (two shells, a retried Slurm job) would otherwise both
resume the same interrupted seed into one folder, and their checkpoints and logs would
interleave. The kernel releases the lock when its process ends however it ends (crash,
``kill -9``), so a dead runner never leaves a stale lock behind; the file keeps the holder's
PID and host only to name it in the message. Where ``fcntl`` does not exist (Windows) runs
are not locked.
"""
import json
import os
import os.path as osp
import socket
from typing import IO, Optional, Tuple

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

LOCK_FILE = 'ablation.lock'


def acquire(work_dir: str) -> Tuple[Optional[IO], Optional[str]]:
    """Lock ``work_dir``: ``(handle, None)`` when this process holds it (keep the handle
    until :func:`release`), ``(None, who)`` when another process does."""
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_FILE)
    handle = open(path, 'a+')
    if fcntl is None:  # pragma: no cover
        return handle, None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or 'a process that has not written its name yet'
        handle.close()
        return None, f'{holder} holds {path}'
    handle.seek(0)
    handle.truncate()
    json.dump(dict(pid=os.getpid(), host=socket.gethostname()), handle)
    handle.flush()
    return handle, None


def release(handle: IO) -> None:
    """Drop the lock (closing the file releases it); the file stays, empty."""
    handle.seek(0)
    handle.truncate()
    handle.close()
