# Types of pyuvnet.child_process.promises (exec and execFile as asyncio futures).
import asyncio
from collections.abc import Sequence
from typing import overload

from typing_extensions import Unpack

from .._internal.records import Record
from . import ChildProcess, ExecOptions

__all__ = ['exec', 'execFile', 'ChildProcessFuture']

class ChildProcessFuture(asyncio.Future[Record]):
    child: ChildProcess | None

# Resolves with a Record {'stdout': ..., 'stderr': ...}.
def exec(command: str, options: ExecOptions | None = None,
         **kwargs: Unpack[ExecOptions]) -> ChildProcessFuture: ...
@overload
def execFile(file: str, args: Sequence[str] | None = None, options: ExecOptions | None = None,
             **kwargs: Unpack[ExecOptions]) -> ChildProcessFuture: ...
@overload
def execFile(file: str, args: ExecOptions, /, **kwargs: Unpack[ExecOptions]) -> ChildProcessFuture: ...
