# Types of pyuvnet.stream.promises (docs/api/stream.md).
import asyncio
from typing import Any

from pyuvnet._internal.abort import AbortSignal
from pyuvnet.events import EventEmitter

__all__ = ['pipeline', 'finished']

def pipeline(*streams: Any, signal: AbortSignal | None = None,
             end: bool | None = None) -> asyncio.Future[Any]: ...
def finished(stream: EventEmitter, options: dict[str, Any] | None = None,
             **kwargs: Any) -> asyncio.Future[None]: ...
