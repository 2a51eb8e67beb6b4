"""How a setting is declared: its `Spec` (flag, type, help, group, config key, check, prompt),
the checks with one wording each (whether the value came from a flag, a prompt or the config
file), and the prompts. `settings.py` declares every setting with these."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .dates import zone
from .errors import UsageError

Check = Callable[[Any], str | None]  # what is wrong with a value ("must be ..."), or None
When = Callable[[dict[str, Any]], bool]  # whether a prompt is asked, given what is known


# --- checks: one wording each, whether the value came from a flag, a prompt or the config ---


def at_least(low: int) -> Check:
    return lambda v: None if v >= low else f"must be at least {low}"


def above_zero(unit: str, example: str) -> Check:
    def check(v: float) -> str | None:
        if isinstance(v, int | float) and math.isfinite(v) and v > 0:
            return None
        return f"must be a number of {unit} above 0, e.g. {example}"

    return check


def not_negative(unit: str) -> Check:
    def check(v: float) -> str | None:
        ok = isinstance(v, int | float) and math.isfinite(v) and v >= 0
        return None if ok else f"must be a number of {unit}"

    return check


def percent(v: float) -> str | None:
    ok = isinstance(v, int | float) and math.isfinite(v) and 0 <= v <= 100
    return None if ok else "must be a percentage from 0 to 100"


def one_of(*choices: str) -> Check:
    return lambda v: None if v in choices else f"must be one of {', '.join(choices)}"


def time_zone(v: str) -> str | None:
    try:
        zone(v)
    except UsageError:
        return f"must be an IANA time zone such as America/Los_Angeles, not '{v}'"
    return None


# --- prompts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    """A question asked on a terminal: `text` shown with the default, asked when `when` holds."""

    text: str
    when: When
    style: str = "default"  # default: "text (default: X): " | yes_no: "text? (y/N): " | plain
    empty: str = "built-in"  # shown as the default when there is none


# --- the declaration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """How one setting is given and checked."""

    flag: str | None
    kind: type
    help: str
    group: str
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    config: str | None = None  # its key in the config file ("health.empty_max": in [health])
    check: Check | None = None
    prompt: Prompt | None = None
    nargs: str | None = None
    const: Any = None
    parse: Callable[[Any], Any] | None = None  # a config value (a table) as the setting's
    # value; raises ValueError saying what is wrong


def setting(default: Any, flag: str | None, kind: type, help: str, group: str, **spec: Any) -> Any:
    """A Settings field with its declaration."""
    return field(default=default, metadata={"spec": Spec(flag, kind, help, group, **spec)})


def switch(flag: str, help: str, group: str) -> Any:
    return setting(False, flag, bool, help, group)


def problem(spec: Spec, value: Any) -> str | None:
    """What is wrong with a value of a setting, in the wording every origin shares."""
    return spec.check(value) if spec.check and value is not None else None
