"""The README is part of the product: its Python API blocks run as written, and every flag of
`--help` is documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def python_blocks() -> list[str]:
    section = README.split("## Python API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_python_api_section_has_examples():
    assert len(python_blocks()) >= 3


def test_the_python_api_blocks_run_as_written(tmp_path, monkeypatch, capsys):
    """Each block in turn, in one namespace, in a folder where `tests/data` is the project's."""
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for number, block in enumerate(python_blocks(), start=1):
        exec(compile(block, f"README.md Python API block {number}", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "Demo Site:" in printed and "DEMO-17" not in printed
    assert (tmp_path / "caltech.pdf").read_bytes().startswith(b"%PDF")
    assert os.path.getsize(tmp_path / "caltech.csv") > 0


def test_every_flag_in_help_is_in_the_readme():
    done = subprocess.run(
        [sys.executable, "-m", "seshis", "--help"], capture_output=True, text=True, check=True
    )
    flags = set(re.findall(r"(--[a-z][a-z-]+)", done.stdout))
    missing = sorted(f for f in flags if f"`{f}" not in README)
    assert not missing, f"flags missing from README: {missing}"


def toml_blocks() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", README, re.S)


def test_the_readme_config_example_is_a_valid_config(tmp_path):
    from seshis import config

    block = next(b for b in toml_blocks() if b.startswith('acn = "0021"'))
    path = tmp_path / "config.toml"
    path.write_text(block, encoding="utf-8")
    values, _ = config.load(path)
    assert values["ocpi_version"] == "2.2.1" and values["pager"] is True
    assert values["empty_max"] == 20


def test_the_readme_portfolio_is_a_valid_config(tmp_path):
    from seshis import config
    from seshis.portfolio import SiteEntry

    block = next(b for b in toml_blocks() if b.startswith("[[sites]]"))
    path = tmp_path / "config.toml"
    path.write_text(block, encoding="utf-8")
    values, _ = config.load(path)
    assert values["sites"] == (
        SiteEntry("Downtown", "0021", "16", None, "America/New_York", ("Downtown Garage",)),
        SiteEntry("Caltech", None, None, "caltech", "America/Los_Angeles"),
    )


def test_the_readme_profiles_parse_and_read_a_file(tmp_path):
    """The two profile examples are valid profiles; the second reads a file of its shape."""
    from seshis.sources import load_files, profiles

    examples = [b for b in toml_blocks() if b.startswith("[profile]")]
    assert len(examples) == 2
    parsed = [profiles.parse(b, f"README example {i}") for i, b in enumerate(examples, 1)]
    assert parsed[0].energy_unit == "Wh" and parsed[0].decimal == ","
    assert not parsed[1].drivers and parsed[1].timezone == "America/Chicago"
    (tmp_path / "depot.toml").write_text(examples[1], encoding="utf-8")
    (tmp_path / "depot.csv").write_text(
        "Charge point,Date started,Time started,Date ended,Time ended,Meter start,Meter stop\n"
        "CP1,03/01/2025,08:00,03/01/2025,10:30:00,100000,112500\n",
        encoding="utf-8",
    )
    data = load_files([tmp_path / "depot.csv"], profile=tmp_path / "depot.toml")
    # 12,500 Wh; 08:00 in Chicago (CST, UTC-6) is 14:00 UTC
    kwh, start = data.store.row("SELECT kwh, strftime(start, '%H:%M') FROM sessions")
    assert (kwh, start) == (12.5, "14:00")


def test_the_readme_examples_run_as_written(tmp_path, monkeypatch):
    """The intro's `seshis ...` lines, in a folder where `tests/data` is the project's."""
    import shlex

    from conftest import run_cli

    block = re.findall(r"```bash\n(.*?)```", README, re.S)[1]
    lines = [line.split("#", 1)[0].split() for line in block.splitlines() if line.strip()]
    assert len(lines) >= 5 and all(words[0] == "seshis" for words in lines)
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    monkeypatch.chdir(tmp_path)
    for words in lines:
        result = run_cli(*shlex.split(" ".join(words[1:])), "--no-input")
        assert result.code == 0, f"{' '.join(words)}: {result.err}"
