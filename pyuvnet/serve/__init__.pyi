# Types of pyuvnet.serve: the `pyuvnet serve MODULE:ATTR` command line (docs/ASGI.md).
import argparse
from collections.abc import Sequence

__all__ = ['main', 'parser']

def parser() -> argparse.ArgumentParser: ...
def main(argv: Sequence[str] | None = None) -> int: ...
