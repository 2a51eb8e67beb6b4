"""One module per output format: terminal, csv, jsonout (pdf and charts come later).

Slow imports stay inside these modules so `import seshis` and `seshis --help` stay fast.
"""
