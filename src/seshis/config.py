"""The TOML config file: defaults for flags, below the flags and above the built-in defaults."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .errors import UsageError
from .settings import ACN_SITES

KEYS: dict[str, type | tuple[type, ...]] = {
    "acn": (str, int),  # 16 and "16" both mean account 16
    "account": (str, int),
    "api": str,
    "api_url": str,
    "auth_command": str,
    "site": str,
    "threshold": (int, float),
    "voltage": (int, float),
    "timezone": str,
    "page_size": int,
    "concurrency": int,
    "store": str,
}
HEALTH_KEYS = ("empty_max", "micro_max", "normal_min", "unclaimed_max")


def default_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("seshis") / "config.toml"


def load(path: Path | None) -> tuple[dict[str, Any], Path | None]:
    """The settings in the config file (flat; health thresholds as health.<name>), and its path.

    An explicit --config must exist; the default file is optional.
    """
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
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "health" and isinstance(value, dict):
            for name, limit in value.items():
                if name not in HEALTH_KEYS or not isinstance(limit, int | float):
                    raise UsageError(
                        f"{path}: [health] {name} is not a known threshold "
                        f"({', '.join(HEALTH_KEYS)}, in percent)."
                    )
                values[f"health.{name}"] = float(limit)
            continue
        expected = KEYS.get(key)
        if expected is None:
            known = ", ".join([*KEYS, "[health]"])
            raise UsageError(f"{path}: unknown setting '{key}' (known: {known}).")
        if not isinstance(value, expected) or isinstance(value, bool):
            raise UsageError(f"{path}: '{key}' has the wrong type ({type(value).__name__}).")
        values[key] = str(value) if key in ("acn", "account") else value
    check_values(values, path)
    return values, path


def check_values(config: dict[str, Any], path: Path | None) -> None:
    """The config file's values pass the same checks as the flags (exit 2)."""
    for key in ("page_size", "concurrency"):
        if key in config and config[key] < 1:
            raise UsageError(f"{path}: '{key}' must be at least 1.")
    for key, value in config.items():
        if key.startswith("health.") and not 0 <= value <= 100:
            raise UsageError(f"{path}: [health] {key[7:]} is a percentage from 0 to 100.")
    if config.get("site") is not None and config["site"] not in ACN_SITES:
        raise UsageError(f"{path}: site must be one of {', '.join(ACN_SITES)}.")
