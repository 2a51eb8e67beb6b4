#!/usr/bin/env python3
"""Run seshis from a checkout: python3 seshis.py --all --pdf"""

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

if __name__ == "__main__":
    from seshis.cli import main

    sys.exit(main())
else:
    # `import seshis` from the repository root finds this file first: load the package instead.
    del sys.modules[__name__]
    sys.modules[__name__] = importlib.import_module(__name__)
