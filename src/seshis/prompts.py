"""The seed's interactive questions. Each has a flag; none is asked off a terminal."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from .dates import RANGES, parse_date
from .errors import UsageError
from .settings import Spec, problem

POSITIVE_HINT = "Please enter a number above 0, e.g. 1.0."
DATE_HINT = "Please enter a real date as YYYY-MM-DD, e.g. 2025-09-07."


@dataclass
class Prompter:
    """Asks on the terminal (questions on stderr); answers come from the injected stdin."""

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

    def until(self, question: str, parse: Callable[[str], Any], hint: str) -> Any:
        """Ask until `parse` accepts the answer (it raises ValueError with a hint otherwise)."""
        while True:
            try:
                return parse(self.ask(question))
            except ValueError as exc:
                self.out.write(f"{exc.args[0] if exc.args and exc.args[0] else hint}\n")

    def setting(self, spec: Spec, default: Any) -> Any:
        """The answer to a setting's question; an empty answer keeps the default."""
        prompt = spec.prompt
        assert prompt is not None
        if prompt.style == "yes_no":
            text = f"{prompt.text}? ({'Y/n' if default else 'y/N'}): "
            return self.until(text, _yes_no(default), "Please answer y or n.")
        if prompt.style == "plain":
            text = prompt.text
        else:
            shown = default if default is not None else prompt.empty
            text = f"{prompt.text} (default: {shown}): "
        hint = POSITIVE_HINT if spec.kind in (int, float) else ""

        def parse(answer: str) -> Any:
            if not answer:
                if prompt.style == "plain":
                    raise ValueError(hint)
                return default
            value = _number(answer, spec.kind) if spec.kind in (int, float) else answer
            wrong = problem(spec, value)
            if wrong:
                raise ValueError(f"The answer {wrong}.")
            return value

        return self.until(text, parse, hint)

    def range_kind(self) -> str:
        self.out.write(
            "Date range options:\n1. Today\n2. Last week\n3. Last month\n"
            "4. Custom (enter dates manually)\n"
        )

        def parse(answer: str) -> str:
            if (answer or "1") not in RANGES:
                raise ValueError("Please enter 1, 2, 3 or 4.")
            return RANGES[answer or "1"]

        return self.until("Choose date range (1-4, default: 1): ", parse, "")

    def day(self, which: str) -> Any:
        def parse(answer: str) -> Any:
            try:
                return parse_date(answer, which)
            except UsageError:
                raise ValueError(DATE_HINT) from None

        return self.until(f"Enter {which} date (YYYY-MM-DD): ", parse, DATE_HINT)


def _number(answer: str, kind: type) -> int | float:
    try:
        value = float(answer)
    except ValueError:
        raise ValueError(POSITIVE_HINT) from None
    if not (math.isfinite(value) and value > 0) or (kind is int and value != int(value)):
        raise ValueError(POSITIVE_HINT)
    return kind(value)


def _yes_no(default: bool) -> Callable[[str], bool]:
    def parse(answer: str) -> bool:
        if not answer:
            return default
        if answer.lower() in ("y", "yes"):
            return True
        if answer.lower() in ("n", "no"):
            return False
        raise ValueError("Please answer y or n.")

    return parse
