"""CSV split into records line by line, in Python, for the files DuckDB's reader cannot account
for line by line (an unterminated quote that swallows the lines after it, a line too long to
read, a bare carriage return): each bad line costs itself only. See files._read_lines."""

from __future__ import annotations

import csv
from pathlib import Path

CSV_LINE_LIMIT = 2_000_000  # bytes of one CSV line, as DuckDB's max_line_size
CSV_JOIN_LIMIT = 100  # lines one quoted CSV field may span


def records(path: Path, encoding: str, delim: str, width: int):
    """(line number, fields or why the line is malformed) of each record after the header.
    A quoted field runs on over the next lines only where CSV's rules close it (its closing
    quote followed by a delimiter or the end of a line); a quote that never closes so costs
    its own line, and the lines after it are records again."""
    lines = physical_lines(path, encoding)
    next(lines, None)  # the header
    ahead: list[tuple[int, str | None]] = []
    while ahead or (item := next(lines, None)) is not None:
        number, text = ahead.pop(0) if ahead else item
        if text is None:
            yield number, f"longer than {CSV_LINE_LIMIT} bytes"
            continue
        if not text:
            continue  # a blank line, as DuckDB skips it
        fields, why = split(text, delim)
        used, joined = 0, text
        while why == "open" and used < CSV_JOIN_LIMIT and len(joined) < CSV_LINE_LIMIT:
            if used == len(ahead) and (item := next(lines, None)) is not None:
                ahead.append(item)
            if used == len(ahead) or ahead[used][1] is None:
                break
            joined += "\n" + ahead[used][1]
            used += 1
            fields, why = split(joined, delim)
        if why == "open" or (used and why):
            yield number, "a quoted field that never ends"  # the next lines are read again
            continue
        del ahead[:used]
        if why:
            yield number, why
        elif len(fields) != width:
            yield number, f"expected {width} fields, found {len(fields)}"
        else:
            yield number, fields


def split(text: str, delim: str) -> tuple[list[str], str | None]:
    """The fields of one record, or why it has none ("open": a quoted field runs on)."""
    if '"' not in text:
        return text.split(delim), None
    try:
        return next(csv.reader([text], delimiter=delim, strict=True)), None
    except csv.Error as exc:
        return [], "open" if "unexpected end of data" in str(exc) else str(exc)


def physical_lines(path: Path, encoding: str):
    """(number, text) of each line, split at LF, CRLF or a bare CR; text is None for a line
    longer than DuckDB reads."""
    number = 0
    with path.open("rb") as fh:
        for raw in fh:
            raw = raw.rstrip(b"\n")
            raw = raw[:-1] if raw.endswith(b"\r") else raw
            for part in raw.split(b"\r") if b"\r" in raw else (raw,):
                number += 1
                if len(part) > CSV_LINE_LIMIT:
                    yield number, None
                else:
                    yield number, part.decode(encoding, "replace").lstrip("\ufeff")
