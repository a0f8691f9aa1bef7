"""``python bench/run.py [options]``: pyuvnet's comparative benchmark
(``make bench`` runs it). The runner is the package bench/runner; it needs
nothing from pyuvnet itself, so it runs even when pyuvnet's extension is
not built (the pyuvnet servers then report their import failure as
"missing"). See docs/BENCHMARKS.md.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runner.__main__ import main  # noqa: E402

main()
