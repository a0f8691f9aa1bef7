"""pyuvnet.events: Node's ``events`` module, ``EventEmitter`` and its
listener limits (docs/api/events.md).

The emitter is a Cython extension (events/_emitter.pyx, with its async
listeners in events/_emitter_async.pyx).  What waits on emitters lives
below the families that use it: ``pyuvnet/_internal/event_wait.py`` and the
asyncio bridge ``pyuvnet/_internal/aio_bridge.py`` (public as ``pyuvnet.aio``),
which nothing imported by ``import pyuvnet`` imports, so that importing
pyuvnet does not import asyncio.
"""
import sys
import types

from . import _emitter
from ._emitter import EventEmitter, MaxListenersExceededWarning, setMaxListeners
from .._internal.aliases import extension_row as _extension_row

__all__ = ['EventEmitter', 'MaxListenersExceededWarning', 'defaultMaxListeners',
           'setMaxListeners']

# The Cython class takes no attributes: each Python emitter gets these twins
# (twins(bases=('EventEmitter',))).
_extension_row('EventEmitter', ('addListener', 'removeListener', 'removeAllListeners',
                                'listenerCount', 'rawListeners', 'prependListener',
                                'prependOnceListener', 'eventNames', 'setMaxListeners',
                                'getMaxListeners'))


class _EventsModule(types.ModuleType):
    """``events.defaultMaxListeners`` is the extension's global, which
    setMaxListeners() rebinds: read and assigned there, as Node's is."""

    @property
    def defaultMaxListeners(self):
        return _emitter.defaultMaxListeners

    @defaultMaxListeners.setter
    def defaultMaxListeners(self, n):
        _emitter.defaultMaxListeners = n


sys.modules[__name__].__class__ = _EventsModule
