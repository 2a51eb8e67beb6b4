"""Exports are written to a temporary file beside their target and moved into place, so a
failed or interrupted export never leaves half a file under the final name."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...errors import ExportError


@contextmanager
def atomic_file(target: Path, what: str = "--output") -> Iterator[Path]:
    """A temporary path to write; on success it replaces `target` with the usual file
    permissions (the umask's, not mkstemp's private ones); on failure it is removed."""
    target = Path(target)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(
            dir=target.resolve().parent, prefix=".seshis-", suffix=target.suffix
        )
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
