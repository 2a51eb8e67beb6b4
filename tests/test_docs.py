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
