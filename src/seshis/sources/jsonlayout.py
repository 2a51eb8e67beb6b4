"""The layout of a JSON session file, told from its head.

DuckDB reads JSON fast with a schema of the fields seshis maps, but it must be told the
layout, and it takes a list cut right after `},` for a whole one. The first values, parsed
here with Python's json from the head of the file, tell the layout and the fields; the end
of the file tells whether it is complete. `files` reads the file once its layout is known.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError
from .mapping import ID_KEYS, LIST_KEYS

HEAD = 1 << 16  # bytes read to recognise a file (and, for JSON, its first values)
NO_SESSIONS = "{} holds no sessions: its list of sessions is empty or missing."

_DECODE = json.JSONDecoder().raw_decode
_SPACE = re.compile(r"[ \t\n\r]*")


def _skip(text: str, i: int) -> int:
    """The index of the first character at or after `i` that is no JSON white space."""
    space = _SPACE.match(text, i)
    return space.end() if space else i


@dataclass(frozen=True)
class JsonLayout:
    """How a JSON file holds its sessions: a `list`, values one per `lines`, an `envelope`'s
    list under `listed` (bytes `span` of the file), or, from the head alone, `unclear` (or
    `unclear list`: a list, of what the head does not say)."""

    kind: str
    keys: frozenset[str] = frozenset()  # the fields of the first sessions
    bom: bool = False
    listed: str | None = None
    span: tuple[int, int] | None = None


class _Unclear(Exception):
    """The head of the file does not tell its layout."""


def json_layout(path: Path, head: bytes) -> JsonLayout:
    text = head.decode("utf-8", "surrogateescape")
    bom = text.startswith("\ufeff")
    start = _skip(text, int(bom))
    size = path.stat().st_size
    opener = text[start]
    with path.open("rb") as fh:
        fh.seek(max(0, size - 64))
        if fh.read().rstrip(b" \t\r\n")[-1:] != (b"]" if opener == "[" else b"}"):
            raise SourceError(
                f"{path} is not valid JSON (it ends without its closing "
                f"{']' if opener == '[' else '}'}); check that the file is complete."
            )
    try:
        if opener == "{":
            return _object_layout(path, text, start, size, bom)
        values, closed = _values(text, start + 1, ",", "]")
        if closed and not values:
            raise SourceError(NO_SESSIONS.format(path))
        if not values:
            raise _Unclear
        return JsonLayout("list", _keys(values), bom)
    except _Unclear:
        return JsonLayout("unclear list" if opener == "[" else "unclear", bom=bom)


def _object_layout(path: Path, text: str, start: int, size: int, bom: bool) -> JsonLayout:
    """A file that starts with `{`: one envelope of sessions, or sessions one per line."""
    keys, end, lists = _top(text, start)
    listed = next((k for k in LIST_KEYS if k in keys), None)
    if listed is None or ID_KEYS & keys.keys():
        values, _closed = _values(text, start, "", None)
        if not values:
            raise _Unclear
        return JsonLayout("lines", _keys(values), bom)
    begin, close = lists[listed]
    if end is None and close is not None:
        raise _Unclear  # the envelope goes on past the head after its list
    if end is not None and (text[end:].strip() or size > _bytes(text, len(text))):
        raise _Unclear  # more follows the envelope
    if end is not None and not (isinstance(keys[listed], list) and keys[listed]):
        raise SourceError(NO_SESSIONS.format(path))
    stop = _bytes(text, close) if close is not None else _tail_end(path, size, text[start:begin])
    items, _closed = _values(text, begin + 1, ",", "]")
    return JsonLayout("envelope", _keys(items), bom, listed, (_bytes(text, begin), stop))


def _values(text: str, i: int, sep: str, close: str | None) -> tuple[list, bool]:
    """The values the head holds from text[i] (list elements, or one per line), and whether
    the list closed within it."""
    values: list = []
    while len(values) < 1000:
        i = _skip(text, i)
        if close and text.startswith(close, i):
            return values, True
        try:
            value, i = _DECODE(text, i)
        except (ValueError, RecursionError):
            break
        values.append(value)
        i = _skip(text, i)
        if sep:
            if not text.startswith(sep, i):
                return values, text.startswith(close or sep, i)
            i += 1
    return values, False


def _keys(values: list) -> frozenset[str]:
    return frozenset(k for value in values if isinstance(value, dict) for k in value)


def _top(text: str, i: int) -> tuple[dict, int | None, dict[str, tuple[int, int | None]]]:
    """The keys of the object at text[i] and their values, as far as the head holds them;
    where the object ends (None: past the head); where the lists under LIST_KEYS begin and
    end. A list that runs past the head ends the scan."""
    keys: dict = {}
    lists: dict[str, tuple[int, int | None]] = {}
    i = _skip(text, i + 1)
    try:
        while not text.startswith("}", i):
            key, i = _DECODE(text, i)
            i = _skip(text, i)
            if not isinstance(key, str) or not text.startswith(":", i):
                raise _Unclear
            at = i = _skip(text, i + 1)
            try:
                keys[key], i = _DECODE(text, i)
            except (ValueError, RecursionError):
                if key in LIST_KEYS and text.startswith("[", at) and not ID_KEYS & keys.keys():
                    keys[key], lists[key] = None, (at, None)
                    return keys, None, lists
                raise _Unclear from None
            if key in LIST_KEYS:
                lists[key] = (at, i)
            i = _skip(text, i)
            if text.startswith(",", i):
                i = _skip(text, i + 1)
            elif not text.startswith("}", i):
                raise _Unclear
    except (ValueError, RecursionError):
        raise _Unclear from None
    return keys, i + 1, lists


def _tail_end(path: Path, size: int, prefix: str) -> int:
    """Where the envelope's list ends when it runs past the head: after the last `]` that
    closes a session (`}` before it) and after which the rest of the file closes the envelope
    (`{prefix}[]{rest}` parses). DuckDB then checks the list itself."""
    with path.open("rb") as fh:
        fh.seek(max(0, size - HEAD))
        tail = fh.read().decode("utf-8", "surrogateescape")
    for end in [m.end() for m in re.finditer(r"\}\s*\]", tail)][::-1][:200]:
        try:
            doc = json.loads(prefix + "[]" + tail[end:])
        except (ValueError, RecursionError):
            continue
        if isinstance(doc, dict) and not ID_KEYS & doc.keys():
            return size - len(tail[end:].encode("utf-8", "surrogateescape"))
        break
    raise _Unclear


def _bytes(text: str, i: int) -> int:
    """The byte offset of text[i] (the text is the head of the file, decoded)."""
    return len(text[:i].encode("utf-8", "surrogateescape"))
