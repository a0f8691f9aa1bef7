# Types of pyuvnet._internal.streams.native: the stream bases of pyuvnet's C streams,
# whose state properties are read-only (the C base's).
from typing import Any, Mapping

from pyuvnet.stream import Duplex, Readable, Writable

__all__ = ['NativeDuplex', 'NativeReadable', 'NativeWritable', 'take_reads',
           'high_water_marks', 'HIGH_WATER_MARK_OPTIONS']

def take_reads(stream: Any) -> Any: ...
HIGH_WATER_MARK_OPTIONS: tuple[str, ...]

def high_water_marks(options: Mapping[str, Any]) -> tuple[int, int]: ...

class NativeDuplex(Duplex):
    @property  # type: ignore[misc]
    def destroyed(self) -> bool: ...
    @property  # type: ignore[misc]
    def readable(self) -> bool: ...
    @property  # type: ignore[misc]
    def writable(self) -> bool: ...
    @property  # type: ignore[misc]
    def readableFlowing(self) -> bool | None: ...

class NativeReadable(Readable):
    @property  # type: ignore[misc]
    def destroyed(self) -> bool: ...
    @property  # type: ignore[misc]
    def readable(self) -> bool: ...
    @property  # type: ignore[misc]
    def readableFlowing(self) -> bool | None: ...

class NativeWritable(Writable):
    @property  # type: ignore[misc]
    def destroyed(self) -> bool: ...
    @property  # type: ignore[misc]
    def writable(self) -> bool: ...
