"""``python -m benchmarks``: see ``benchmarks/runner.py`` (``--help`` lists the options)."""

import sys

from benchmarks.runner import main

sys.exit(main())
