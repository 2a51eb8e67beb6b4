"""The TOML config file: defaults for flags, below the flags and above the built-in defaults.
Its keys, types and checks come from the settings table (settings.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .declare import problem
from .errors import UsageError
from .settings import config_keys


def default_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("seshis") / "config.toml"


def load(path: Path | None) -> tuple[dict[str, Any], Path | None]:
    """{setting name: value} from the config file, and its path. An explicit --config must
    exist; the default file is optional."""
    explicit = path is not None
    path = path or default_path()
    if not path.exists():
        if explicit:
            raise UsageError(f"The config file {path} does not exist.")
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"The config file {path} is not valid TOML ({exc}).") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"The config file {path} cannot be read ({exc}).") from None
    schema = config_keys()
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and key not in schema:  # [health] empty_max = ...
            flat |= {f"{key}.{inner}": v for inner, v in value.items()}
        else:
            flat[key] = value
    values: dict[str, Any] = {}
    for key, value in flat.items():
        if key not in schema:
            known = ", ".join(_shown(k) for k in schema)
            raise UsageError(f"{path}: unknown setting '{_shown(key)}' (known: {known}).")
        name, spec = schema[key]
        if spec.parse is not None:
            try:
                values[name] = spec.parse(value)
            except ValueError as exc:
                raise UsageError(f"{path}: '{_shown(key)}' {exc}.") from None
            continue
        typed = _typed(value, spec.kind)
        if typed is None:
            raise UsageError(
                f"{path}: '{_shown(key)}' has the wrong type ({type(value).__name__})."
            )
        value = typed
        wrong = problem(spec, value)
        if wrong:
            raise UsageError(f"{path}: '{_shown(key)}' {wrong}.")
        values[name] = value
    return values, path


def _typed(value: Any, kind: type) -> Any:
    """The value as the setting's type, or None when TOML gave another type (a number for a
    text setting is fine: account = 16)."""
    if isinstance(value, bool):
        return value if kind is bool else None
    if kind is float and isinstance(value, int | float):
        return float(value)
    if kind is str and isinstance(value, int | str):
        return str(value)
    return value if isinstance(value, kind) else None


def _shown(key: str) -> str:
    """A key as the file writes it: page_size, or [health] empty_max."""
    table, dot, name = key.partition(".")
    return f"[{table}] {name}" if dot else key
