"""A long terminal report goes through a pager (`less -R`, or $PAGER), as git does: only when
stdout is a terminal and the report is longer than the screen; never when piped."""

from __future__ import annotations

import io
import os
import shlex
import subprocess
from collections.abc import Callable
from typing import Literal, cast

from rich.console import Console

_ColourSystem = Literal["auto", "standard", "256", "truecolor", "windows"]


def paged(write: Callable[[Console], object], out: Console, enabled: bool = True) -> None:
    """Write through `write(console)`: straight to `out`, or, when `out` is a terminal and the
    text is taller than it, into the pager."""
    if not enabled or not out.is_terminal or not _tty(out):
        write(out)
        return
    buffer = io.StringIO()
    capture = Console(
        file=buffer,
        force_terminal=True,
        # the name rich gives `out`'s colours is one its constructor takes (or None: no colour)
        color_system=cast(_ColourSystem | None, out.color_system),
        no_color=out.no_color,
        width=out.width,
        highlight=False,
    )
    write(capture)
    text = buffer.getvalue()
    if text.count("\n") < out.height or not _page(text):
        out.file.write(text)
        out.file.flush()


def _tty(out: Console) -> bool:
    """A real terminal, not a stream made to look like one (colours forced)."""
    try:
        return out.file.isatty()
    except (AttributeError, ValueError):
        return False


def _page(text: str) -> bool:
    """Show the text in the pager; False when there is none to run."""
    command = shlex.split(os.environ.get("PAGER") or "less")
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # colours, quit on one screen, keep the text on exit
    try:
        subprocess.run(command, input=text, text=True, env=env, check=False)
    except (OSError, ValueError):
        return False
    return True
