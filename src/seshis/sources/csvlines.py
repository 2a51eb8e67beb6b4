"""The lines of a CSV file, in Python: one pass that tells its encoding and how many records it
can hold (so the rows DuckDB reads can be accounted for), and the file split into records line
by line for the files DuckDB's reader cannot account for (an unterminated quote that swallows
the lines after it, a line too long to read, a bare carriage return): each bad line costs
itself only. See files.load_csv and files._read_lines."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path

CSV_LINE_LIMIT = 2_000_000  # bytes of one CSV line, as DuckDB's max_line_size
CSV_JOIN_LIMIT = 100  # lines one quoted CSV field may span


def scan(path: Path) -> tuple[str, int | None, int]:
    """One pass in 1 MB chunks: the encoding (UTF-8, or Latin-1 for the exports of older
    spreadsheet tools; ASCII chunks skip the decoder) and the records the file can hold
    (its lines after the header, less blank ones at the end; None for mixed line endings,
    which only the line-by-line reader can tell), and how many blank lines end it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoding, lf, cr, crlf, last = "utf-8", 0, 0, 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if encoding == "utf-8" and (decoder.getstate()[0] or not chunk.isascii()):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    encoding = "latin-1"
            lf += chunk.count(b"\n")
            if b"\r" in chunk:
                cr += chunk.count(b"\r")
                crlf += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            last = chunk[-1:]
        if encoding == "utf-8" and decoder.getstate()[0]:
            encoding = "latin-1"
        fh.seek(max(0, fh.tell() - 4096))
        tail = fh.read()
    ending = b"\n" if cr == crlf else b"\r" if lf == 0 else None
    if ending is None:
        return encoding, None, 0
    lines = (lf if ending == b"\n" else cr) + (last != ending)
    blank = max(0, tail[len(tail.rstrip(b"\r\n")) :].count(ending) - 1)
    return encoding, max(0, lines - 1 - blank), blank


# an empty line: a line ending right after a line ending (counted where they overlap)
EMPTY_LINE = {b"\n": re.compile(rb"(?=\n\r?\n)"), b"\r": re.compile(rb"(?=\r\r)")}


def inner_empty(path: Path, trailing: int) -> int:
    """The empty lines of a file before its last line (DuckDB skips them), counted only when
    the rows read do not add up: a second pass, so the usual file pays nothing for them."""
    count, tail = 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            joined = tail + chunk  # a match across the chunks' boundary, counted once
            for pattern in EMPTY_LINE.values():
                count += len(pattern.findall(joined)) - len(pattern.findall(tail))
            tail = chunk[-2:]
    return count - trailing


def records(
    path: Path, encoding: str, delim: str, width: int
) -> Iterator[tuple[int, list[str] | str]]:
    """(line number, fields or why the line is malformed) of each record after the header.
    A quoted field runs on over the next lines only where CSV's rules close it (its closing
    quote followed by a delimiter or the end of a line); a quote that never closes so costs
    its own line, and the lines after it are records again."""
    lines = physical_lines(path, encoding)
    next(lines, None)  # the header
    ahead: list[tuple[int, str | None]] = []
    while True:
        if ahead:
            number, text = ahead.pop(0)
        elif (item := next(lines, None)) is not None:
            number, text = item
        else:
            break
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
            following = ahead[used][1] if used < len(ahead) else None
            if following is None:
                break
            joined += "\n" + following
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


def physical_lines(path: Path, encoding: str) -> Iterator[tuple[int, str | None]]:
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
