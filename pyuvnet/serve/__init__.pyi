# Types of pyuvnet.serve: the `pyuvnet serve MODULE:ATTR` command line and
# pyuvnet.serve.run(), uvicorn.run's twin (docs/ASGI.md).
import argparse
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from .._internal.app_config import Config as Config

_T = TypeVar('_T')

__all__ = ['Config', 'main', 'parser', 'run', 'run_loop']

def parser() -> argparse.ArgumentParser: ...
def main(argv: Sequence[str] | None = None) -> int: ...
def run(app: Any, **options: Any) -> int: ...
def run_config(config: Config, argv: Sequence[str] | None) -> int: ...
def run_loop(main: Coroutine[Any, Any, _T], loop: str) -> _T: ...
