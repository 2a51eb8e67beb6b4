"""seshis.py's questions. Each has a flag. On a terminal they are asked (on stderr) and a wrong
answer is asked again; from a pipe, answers are read in seshis.py's order, and the end
of the input means the defaults for the rest; with --no-input nothing is read."""

from __future__ import annotations

import math
import select
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from .dates import RANGES, parse_date
from .declare import Spec, problem
from .errors import UsageError

POSITIVE_HINT = "Please enter a number above 0, e.g. 1.0."
DATE_HINT = "Please enter a real date as YYYY-MM-DD, e.g. 2025-09-07."
YES = ("y", "yes", "true", "1")
NO = ("n", "no", "false", "0")


@dataclass
class Prompter:
    """Asks on a terminal, or reads piped answers; `mode` is terminal, piped or off."""

    stdin: IO[str]
    out: IO[str]
    mode: str
    wait: float = 2.0  # seconds a pipe may take to give its next answer before it counts as over
    ended: bool = field(default=False, init=False)

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    @property
    def piped(self) -> bool:
        return self.mode == "piped"

    def _line(self, question: str) -> str | None:
        """The next answer; None once piped input is over (or silent for `wait` seconds)."""
        if not self.piped:
            self.out.write(question)
            self.out.flush()
            line = self.stdin.readline()
            if not line:
                raise UsageError("Input ended before every question was answered; use --no-input.")
            return line.strip()
        if self.ended or not self._ready():
            self.ended = True
            return None
        line = self.stdin.readline()
        if not line:
            self.ended = True
            return None
        return line.strip()

    def _ready(self) -> bool:
        """Whether the pipe has an answer (or its end) to read within `wait` seconds, so that
        an open pipe nobody writes to never hangs a cron job."""
        try:
            fd = self.stdin.fileno()
        except (AttributeError, OSError, ValueError):
            return True  # an in-memory stream: reading never blocks
        try:
            readable, _, _ = select.select([fd], [], [], self.wait)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def until(self, question: str, parse: Callable[[str], Any], hint: str, default: Any) -> Any:
        """Ask until `parse` accepts the answer (it raises ValueError with a hint otherwise).
        A piped answer is read once: the end of the input gives `default`, a wrong answer is a
        usage error naming the question (asking again would shift every later answer)."""
        while True:
            answer = self._line(question)
            if answer is None:
                return default
            try:
                return parse(answer)
            except ValueError as exc:
                why = exc.args[0] if exc.args and exc.args[0] else hint
                if self.piped:
                    raise UsageError(
                        f"The piped answer '{answer}' to \"{question.strip()}\" cannot be used: "
                        f"{why}"
                    ) from None
                self.out.write(f"{why}\n")

    def setting(self, spec: Spec, default: Any) -> Any:
        """The answer to a setting's question; an empty answer keeps the default."""
        prompt = spec.prompt
        assert prompt is not None
        if prompt.style == "yes_no":
            text = f"{prompt.text}? ({'Y/n' if default else 'y/N'}): "
            return self.until(text, _yes_no(default), "Please answer y or n.", default)
        if prompt.style == "plain":
            text = prompt.text
        else:
            shown = default if default is not None else prompt.empty
            shown = ", ".join(shown) if spec.many else shown
            text = f"{prompt.text} (default: {shown}): "
        hint = POSITIVE_HINT if spec.kind in (int, float) else ""

        def parse(answer: str) -> Any:
            if not answer:
                return default
            value: Any = _number(answer, spec.kind) if spec.kind in (int, float) else answer
            if spec.many:  # several answers: "0021, 0035"
                value = tuple(a for a in answer.replace(",", " ").split() if a)
            wrong = problem(spec, value)
            if wrong:
                raise ValueError(f"The answer {wrong}.")
            return value

        return self.until(text, parse, hint, default)

    def yes_no(self, question: str, default: bool = False) -> bool:
        """A yes or no asked during the run (a damaged store: move it aside?)."""
        return bool(self.until(question, _yes_no(default), "Please answer y or n.", default))

    def number(self, question: str, default: int | None) -> int | None:
        """A whole number above 0 (seshis.py's limit and page), or the default."""
        return self.until(
            question, lambda a: _number(a, int) if a else default, POSITIVE_HINT, default
        )

    def range_kind(self, default: str = "today") -> str:
        if not self.piped:
            self.out.write(
                "Date range options:\n1. Today\n2. Last week\n3. Last month\n"
                "4. Custom (enter dates manually)\n"
            )

        def parse(answer: str) -> str:
            if (answer or "1") not in RANGES:
                raise ValueError("Please enter 1, 2, 3 or 4.")
            return RANGES[answer or "1"]

        return self.until("Choose date range (1-4, default: 1): ", parse, "", default)

    def day(self, which: str) -> Any:
        def parse(answer: str) -> Any:
            try:
                return parse_date(answer, which)
            except UsageError:
                raise ValueError(DATE_HINT) from None

        return self.until(f"Enter {which} date (YYYY-MM-DD): ", parse, DATE_HINT, None)


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
        if answer.lower() in YES:
            return True
        if answer.lower() in NO:
            return False
        raise ValueError("Please answer y or n.")

    return parse
