# Types of pyuvnet.serve: the `pyuvnet serve MODULE:ATTR` command line (docs/ASGI.md).
import argparse
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

_T = TypeVar('_T')

__all__ = ['main', 'parser', 'run_loop']

def parser() -> argparse.ArgumentParser: ...
def main(argv: Sequence[str] | None = None) -> int: ...
def run_loop(main: Coroutine[Any, Any, _T], loop: str) -> _T: ...
