"""The colours of every output: each hue of a label (definitions.LABEL_COLOURS: green, orange,
red, as the terminal names them) as the ink of its text and the tint of its row. The PDF, the
workbook and the page all take them from here."""

from __future__ import annotations

from ... import definitions as d

INK = {"green": "#1a7f37", "dark_orange": "#d9730d", "red": "#c62828"}
TINT = {"green": "#e6f4ea", "dark_orange": "#fdf0e3", "red": "#fdecea"}


def label_colours() -> dict[str, tuple[str, str]]:
    """{"[EMPTY]": (tint, ink), ...}: each bracketed label's row tint and text colour."""
    return {f"[{label}]": (TINT[hue], INK[hue]) for label, hue in d.LABEL_COLOURS.items()}
