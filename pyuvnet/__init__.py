"""pyuvnet: Node.js's ``net`` module for Python, over libuv.

    import pyuvnet as net

    server = net.createServer(lambda sock: sock.on('data', sock.write))
    server.listen(8124, '127.0.0.1')
    net.run()

Every camelCase name also exists in snake_case (``create_server``), made
from the one table in ``pyuvnet._internal.aliases``.
"""
import importlib

from . import errors
from ._uv import (
    Loop, get_loop, run, stop,
    setTimeout, setInterval, setImmediate, clearTimeout, clearInterval,
    clearImmediate, nextTick, queueMicrotask, libuv_version,
)
from ._uv import Timeout, Immediate
from ._internal.aliases import module_twins as _module_twins, twins as _twins
from ._internal.abort import AbortController, AbortSignal
from .net._addresses import isIP, isIPv4, isIPv6
from .net._blocklist import BlockList
from .net._bound_socket import BoundSocket
from .net._socket_address import SocketAddress
from .errors import (
    NodeError, NodeSystemError, AggregateError, AbortError, TimeoutOverflowWarning, KeepAliveWarning,
)
from .events import EventEmitter as _EventEmitterBase
from ._internal.records import Record
from .net._server import Server
from .net._socket import Socket, Stream, createConnection
from .net._async_methods import install as _install_async_methods
from .stream import _hooks as _stream_hooks
from .net._connecting import (
    getDefaultAutoSelectFamily, setDefaultAutoSelectFamily,
    getDefaultAutoSelectFamilyAttemptTimeout, setDefaultAutoSelectFamilyAttemptTimeout,
)

# The loop's extension types take their twins here, where they are exported.
_twins('hasRef', bases=('EventEmitter',))(Timeout)
_twins('hasRef')(Immediate)

__version__ = '0.1.0'

__all__ = [
    # net
    'Server', 'Socket', 'Stream', 'createServer', 'createConnection', 'connect',
    'isIP', 'isIPv4', 'isIPv6', 'BlockList', 'SocketAddress', 'BoundSocket',
    'getDefaultAutoSelectFamily', 'setDefaultAutoSelectFamily',
    'getDefaultAutoSelectFamilyAttemptTimeout', 'setDefaultAutoSelectFamilyAttemptTimeout',
    # the loop and Node's globals
    'Loop', 'get_loop', 'run', 'stop', 'setTimeout', 'setInterval', 'setImmediate',
    'clearTimeout', 'clearInterval', 'clearImmediate', 'nextTick', 'queueMicrotask',
    'Timeout', 'Immediate', 'EventEmitter', 'AbortController', 'AbortSignal',
    # errors and records
    'errors', 'NodeError', 'NodeSystemError', 'AggregateError', 'AbortError', 'Record',
    'TimeoutOverflowWarning', 'KeepAliveWarning',
    'libuv_version',
]


@_twins(bases=('EventEmitter',))
class EventEmitter(_EventEmitterBase):
    """Node's EventEmitter (see pyuvnet.events for the contract)."""


def createServer(options=None, connectionListener=None, **kwargs):
    """A new Server; ``connectionListener`` is added to 'connection'."""
    return Server(options, connectionListener, **kwargs)


connect = createConnection

def __getattr__(name):
    # net.aio and net.promises without importing asyncio for everyone.
    if name in ('aio', 'promises'):
        return importlib.import_module('.' + name, __name__)
    raise AttributeError("module 'pyuvnet' has no attribute %r" % (name,))


# sock.connected(), async for, async with server...: the asyncio layer's
# methods, which import asyncio only when called (docs/DESIGN.md).
_install_async_methods()


def _stream_async_layer():
    from .stream import _async
    return _async


# The stream classes' asyncio layer (async for, async generator stages),
# imported at its first use: stream's core never imports it.
_stream_hooks.set_async_layer(_stream_async_layer)
_module_twins(globals(), 'module', ('createServer', 'createConnection', 'isIP', 'isIPv4', 'isIPv6',
                                    'getDefaultAutoSelectFamily', 'setDefaultAutoSelectFamily',
                                    'getDefaultAutoSelectFamilyAttemptTimeout',
                                    'setDefaultAutoSelectFamilyAttemptTimeout', 'setTimeout',
                                    'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval',
                                    'clearImmediate', 'nextTick', 'queueMicrotask'), exported=True)
