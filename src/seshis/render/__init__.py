"""One module per output format, each with one entry point `render(report, out, ...)`:
terminal, check, jsonout, rows, csv, pdf, charts. Shared wording lives in `wording`.

Slow imports stay inside these modules so `import seshis` and `seshis --help` stay fast.
"""
