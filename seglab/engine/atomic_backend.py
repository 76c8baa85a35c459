"""A local file backend whose writes are atomic.

mmengine's ``LocalBackend.put`` opens the destination with ``'wb'`` and streams into it, so a
job killed mid-write leaves a truncated checkpoint under the final name. Here bytes go to a
temporary file in the same directory, are fsync'ed, and are then renamed over the destination
(``os.replace`` is atomic on POSIX and Windows), so a reader sees the old file or the complete
new one, never a partial one. A kill during the write leaves only the temporary file, which
:func:`remove_stale_temporaries` deletes when the next run starts.
"""
import os
import os.path as osp
import re
import secrets
from pathlib import Path
from typing import Tuple, Union

from mmengine.fileio import LocalBackend, register_backend

# `.<name>.<8 random characters>.tmp`: tempfile.mkstemp's (older seglab) and ours.
TEMPORARY_NAME = re.compile(r'\..+\.[a-z0-9_]{8}\.tmp')


def _create_temporary(directory: str, basename: str) -> Tuple[int, str]:
    """Create ``.<basename>.<random>.tmp`` exclusively, with the mode ``open()`` would give.

    ``tempfile.mkstemp`` forces 0600; opening with 0666 lets the umask decide, as for the
    ``open(path, 'wb')`` of mmengine's LocalBackend (0644 under the usual umask 022).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_BINARY', 0)
    while True:
        tmp_path = osp.join(directory, f'.{basename}.{secrets.token_hex(4)}.tmp')
        try:
            return os.open(tmp_path, flags, 0o666), tmp_path
        except FileExistsError:
            continue


def atomic_write_bytes(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` atomically (temporary file, fsync, rename)."""
    filepath = str(filepath)
    directory = osp.dirname(osp.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp_path = _create_temporary(directory, osp.basename(filepath))
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, filepath)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise
    # The rename itself is durable only once the directory entry is flushed.
    if hasattr(os, 'O_DIRECTORY'):
        dir_fd = os.open(directory, os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def remove_stale_temporaries(directory: str) -> list:
    """Delete the temporary files interrupted atomic writes left in ``directory``.

    Only call this when no write into ``directory`` is in progress (before training starts).
    Returns the removed paths.
    """
    removed = []
    if not osp.isdir(directory):
        return removed
    for name in sorted(os.listdir(directory)):
        path = osp.join(directory, name)
        if TEMPORARY_NAME.fullmatch(name) and osp.isfile(path) and not osp.islink(path):
            os.remove(path)
            removed.append(path)
    return removed


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` with atomic ``put``/``put_text``; use ``backend_args=dict(
    backend='atomic_local')``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write_bytes(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        atomic_write_bytes(obj.encode(encoding), filepath)
