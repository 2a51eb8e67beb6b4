"""The seed's interactive questions. Each has a flag; none is asked off a terminal."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from .dates import RANGES, parse_date
from .errors import UsageError


@dataclass
class Prompter:
    """Asks on the terminal; answers come from the injected stdin."""

    stdin: IO[str]
    out: IO[str]
    enabled: bool

    def ask(self, question: str) -> str:
        self.out.write(question)
        self.out.flush()
        line = self.stdin.readline()
        if not line:
            raise UsageError("Input ended before every question was answered; use --no-input.")
        return line.strip()

    def until(self, question: str, parse: Callable[[str], object], hint: str) -> object:
        """Ask until `parse` accepts the answer (it raises ValueError otherwise)."""
        while True:
            try:
                return parse(self.ask(question))
            except ValueError:
                self.out.write(f"{hint}\n")


def ask_range(ask: Prompter) -> str:
    ask.out.write(
        "Date range options:\n1. Today\n2. Last week\n3. Last month\n"
        "4. Custom (enter dates manually)\n"
    )

    def parse(answer: str) -> str:
        if (answer or "1") not in RANGES:
            raise ValueError(answer)
        return RANGES[answer or "1"]

    return str(
        ask.until("Choose date range (1-4, default: 1): ", parse, "Please enter 1, 2, 3 or 4.")
    )


def positive(default: float | None = None) -> Callable[[str], float]:
    def parse(answer: str) -> float:
        if not answer and default is not None:
            return default
        value = float(answer)
        if not (math.isfinite(value) and value > 0):
            raise ValueError(answer)
        return value

    return parse


def yes_no(default: bool) -> Callable[[str], bool]:
    def parse(answer: str) -> bool:
        if not answer:
            return default
        if answer.lower() in ("y", "yes"):
            return True
        if answer.lower() in ("n", "no"):
            return False
        raise ValueError(answer)

    return parse


POSITIVE_HINT = "Please enter a number above 0, e.g. 1.0."


def date_text(answer: str) -> str:
    """The answer, once it is a real date (so the prompt can ask again)."""
    try:
        parse_date(answer, "")
    except UsageError:
        raise ValueError(answer) from None
    return answer


def question(
    ask: Prompter, label: str, when: bool, kind: type = str, empty: str | None = None
) -> Callable[[Any], Any] | None:
    """A prompt "label (default: X): " that keeps the default on an empty answer."""
    if not when:
        return None

    def prompt(default: Any) -> Any:
        shown = default if default is not None else empty or "built-in"
        text = f"{label} (default: {shown}): "
        if kind is str:
            return ask.until(text, lambda answer: answer or default, "")
        number = positive()
        return ask.until(
            text, lambda answer: kind(number(answer)) if answer else default, POSITIVE_HINT
        )

    return prompt


def yes_no_question(ask: Prompter, label: str, when: bool) -> Callable[[bool], bool] | None:
    """A y/N prompt that keeps the default on an empty answer."""
    if not when:
        return None
    return lambda default: bool(
        ask.until(
            f"{label}? ({'Y/n' if default else 'y/N'}): ", yes_no(default), "Please answer y or n."
        )
    )
