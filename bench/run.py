"""``python bench/run.py [options]``: the same as ``python -m pyuvnet.bench``,
for when the pyuvnet package itself does not import (say its extension is
not built yet). The runner needs nothing from pyuvnet, so the package is
stood in for by a bare module whose path is the source folder; the
pyuvnet servers then report their own import failure as "missing".
"""
import sys
import types
from pathlib import Path

stand_in = types.ModuleType('pyuvnet')
stand_in.__path__ = [str(Path(__file__).resolve().parents[1] / 'pyuvnet')]
sys.modules['pyuvnet'] = stand_in

from pyuvnet.bench.__main__ import main  # noqa: E402

main()
