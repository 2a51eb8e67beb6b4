"""The shape of the code: imports run one way (sources -> store -> report -> render, with the
CLI on top); no store, connection or SQL is reachable from a renderer; no test hook in the
product; the command line stays thin."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "seshis"

# Each layer and the layers it may import (besides itself). The base modules hold the
# definitions everything shares; the command line sits on top of everything.
BASE = {"errors", "status", "definitions", "dates", "redact", "tariffs", "people"}
LAYERS = {
    "base": set(),
    "store": {"base"},
    # the settings table, where each option of the library's live sync is declared once;
    # Settings makes the report's Options and the live sync's options when asked
    "settings": {"base", "analysis", "sources"},
    "sources": {"base", "store", "settings"},
    "analysis": {"base", "store"},
    "render": {"base", "store", "analysis"},
    # --check's results delivered: worded from the report, recorded in a store it is given
    "notify": {"base", "store", "analysis", "render"},
    "cli": {"base", "store", "settings", "sources", "analysis", "render", "notify"},
}
OUTPUT_FORMATS = ("terminal", "check", "jsonout", "rows", "csv", "xlsx", "pdf", "html", "charts")


def layer(module: str) -> str:
    """The layer of a module named relative to the package (e.g. "render.pdf.summary")."""
    top = module.split(".")[0]
    is_module = (PACKAGE / f"{top}.py").exists() or (PACKAGE / top).is_dir()
    if top in BASE or top in ("__init__", "") or not is_module:  # a name of the package itself
        return "base"
    if top in ("store", "syncs", "dataset"):
        return "store"
    if top in ("sources", "analysis", "render", "notify"):
        return top
    if top in ("settings", "declare", "portfolio"):
        return "settings"
    return "cli"  # cli, app, outputs, config, prompts


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def imports(module: str, path: Path) -> set[str]:
    """Every seshis module this one imports, at the top or inside a function."""
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                name = ".".join([*base, node.module] if node.module else base)
            elif node.module and node.module.startswith("seshis"):
                name = node.module.removeprefix("seshis").lstrip(".")
            else:
                continue
            targets = (
                [name] if node.module else [f"{name}.{a.name}".lstrip(".") for a in node.names]
            )
            found.update(t for t in targets if t)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("seshis."):
                    found.add(alias.name.removeprefix("seshis."))
    return found


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_imports_run_one_way(module, path):
    mine = layer(module)
    allowed = LAYERS[mine] | {mine}
    wrong = sorted(t for t in imports(module, path) if layer(t) not in allowed)
    assert not wrong, f"{module} ({mine}) imports {wrong}"


def test_the_layer_map_knows_every_module():
    known = {"cli", "rules", "app", "outputs", "settings", "declare", "config", "prompts"}
    known.add("interrupts")
    known.add("__main__")
    for module, _ in modules():
        top = module.split(".")[0]
        assert layer(module) != "cli" or top in known, f"{module}: which layer is it?"


def test_renderers_have_one_entry_point_and_never_query():
    for name in OUTPUT_FORMATS:
        path = PACKAGE / "render" / f"{name}.py"
        path = path if path.exists() else PACKAGE / "render" / name / "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        entry = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "render"]
        assert entry and entry[0].args.args[0].arg == "report", f"render/{name}: render(report…)"
    for path in (PACKAGE / "render").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert ".execute(" not in text and ".sql(" not in text, f"{path} runs a query"


# the sync's status is a record the report carries; the rest of the store layer is not
RENDER_MAY_NOT_IMPORT = {"store", "dataset", "sources"}
SQL = re.compile(r"\b(SELECT\b.+\bFROM|COPY\s*\(|CREATE\s+(TABLE|VIEW)|INSERT\s+INTO)\b", re.S)


@pytest.mark.parametrize(
    ("module", "path"),
    [(m, p) for m, p in modules() if m.startswith("render")],
    ids=[m for m, _ in modules() if m.startswith("render")],
)
def test_no_store_connection_or_sql_under_render(module, path):
    """A renderer gets data (the Report) and, for an export, an iterator of rows the app hands
    it; it can reach no store, no connection and writes no SQL."""
    text = path.read_text(encoding="utf-8")
    wrong = sorted(t for t in imports(module, path) if t.split(".")[0] in RENDER_MAY_NOT_IMPORT)
    assert not wrong, f"{module} imports {wrong}"
    tree = ast.parse(text)
    imported = {
        alias.name.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for alias in (n.names if isinstance(n, ast.Import) else [ast.alias(n.module or "")])
    }
    assert "duckdb" not in imported, f"{module} imports duckdb"
    assert not re.search(r"\.con\b|\bStore\b", text), f"{module} reaches a store"
    strings = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]
    assert not [x for x in strings if SQL.search(x)], f"{module} holds SQL"


def test_nothing_outside_the_store_and_the_report_touches_the_connection():
    for module, path in modules():
        if layer(module) in ("store", "analysis"):
            continue
        assert ".con." not in path.read_text(encoding="utf-8"), f"{module} uses store.con"


def test_no_test_hook_in_the_product():
    for module, path in modules():
        assert "PYTEST_CURRENT_TEST" not in path.read_text(encoding="utf-8"), module


def test_the_command_line_stays_thin():
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in modules()}
    assert sizes["cli"] <= 400 and sizes["app"] <= 150


def test_each_live_option_is_the_setting_of_its_name():
    """LiveOptions' fields that are settings have the setting's type and declared default (so
    a default is written once, in settings.py)."""
    from dataclasses import fields

    from seshis.settings import Settings
    from seshis.sources.live import WAITING, LiveOptions

    declared = {f.name: f for f in fields(Settings)}
    shared = [f for f in fields(LiveOptions) if f.name not in WAITING]
    assert len(shared) == 19
    for f in shared:
        assert f.type == declared[f.name].type, f.name
        assert f.default == declared[f.name].default, f.name
