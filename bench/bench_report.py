"""Whole-process benchmark of the reports a manager reads, on the synthetic Parquet of
bench_analysis.py: `seshis --all --pdf` (a bounded PDF by default) and `seshis --all
--printsessions > file` (every session, as plain lines when piped).

Run: .venv/bin/python bench/bench_report.py [--sizes 1000000] [--repeat 1]
Figures before this work (issue 11): 1M sessions --all --pdf 44 s and 6,698 pages;
--all --printsessions > file 77 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_analysis import SESHIS, measure, parquet_file


def pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    ns = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, {ns.repeat} run(s) each; peak MB is the child's max RSS")
    print(f"{'case':<36}{'best s':>8}{'median s':>10}{'peak MB':>9}  result")
    with tempfile.TemporaryDirectory() as tmp:
        for n in ns.sizes:
            source = str(parquet_file(n))
            pdf = Path(tmp) / "r.pdf"
            cmd = [str(SESHIS), "--all", "--pdf", "--no-input", "--source", source]
            r = measure([*cmd, "--output", str(pdf)], ns.repeat)
            line = f"{'--all --pdf ' + format(n, ','):<36}{r['best']:>8.2f}{r['median']:>10.2f}"
            size = f"{pages(pdf):,} pages, {pdf.stat().st_size / 1e6:.1f} MB"
            print(f"{line}{r['peak'] / 1e6:>9.0f}  {size}")
            text = [str(SESHIS), "--all", "--printsessions", "--no-input", "--source", source]
            r = measure([*text, "--no-pager"], ns.repeat)
            line = f"{'--all --printsessions > file ' + format(n, ','):<36}"
            print(
                f"{line}{r['best']:>8.2f}{r['median']:>10.2f}{r['peak'] / 1e6:>9.0f}  plain lines"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
