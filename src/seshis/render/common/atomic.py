"""Exports are written to a temporary file beside their target and moved into place, so a
failed or interrupted export never leaves half a file under the final name. The temporary
names carry the writer's process id: a later export removes those a killed run left behind.
A target that is not a regular file (a FIFO, a device such as /dev/stdout) is written in
place, never replaced."""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...errors import ExportError

PREFIX = ".seshis-"
_LEFTOVER = re.compile(rf"^{re.escape(PREFIX)}(\d+)-")


@contextmanager
def atomic_file(target: Path, what: str = "--output") -> Iterator[Path]:
    """A path to write; on success it replaces `target` with the usual file permissions (the
    umask's, not mkstemp's private ones); on failure or interruption it is removed."""
    target = Path(target)
    if _special(target):
        yield target
        return
    tmp: str | None = None
    try:
        folder = target.resolve().parent
        remove_leftovers(folder)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=scratch_prefix(), suffix=target.suffix)
        os.close(fd)
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        raise ExportError(
            f"Cannot write {target} ({exc.strerror or exc}); choose another {what}."
        ) from exc
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


def _special(path: Path) -> bool:
    """A FIFO, a device or a socket: written in place."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode)


def remove_leftovers(folder: Path) -> int:
    """Remove the temporary export files of seshis runs that are no longer running (killed in
    the middle of an export); returns how many."""
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        match = _LEFTOVER.match(name)
        if match and not _running(int(match.group(1))):
            path = folder / name
            try:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed += 1
            except OSError:
                pass
    return removed


def scratch_prefix() -> str:
    """The name prefix of this run's temporary files and folders beside an export."""
    return f"{PREFIX}{os.getpid()}-"


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
