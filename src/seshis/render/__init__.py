"""One module per output format, each with one entry point `render(report, out, ...)`:
terminal, check, jsonout, rows, csv, pdf, charts. What they share (the wording of numbers and
labels, atomic export files) and the console helpers of a run live in `common`.

Slow imports stay inside these modules so `import seshis` and `seshis --help` stay fast.
"""
