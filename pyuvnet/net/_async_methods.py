"""The awaitable methods of ``Socket`` and ``Server`` (docs/ASYNCIO.md):
``await sock.connected()``, ``await sock.drained()``, ``async for chunk in
sock``, ``await server.aclose()``, ``async for sock in server`` and ``async
with server``.

They belong to the asyncio layer, which stands above the core: ``_socket.py``
and ``_server.py`` know nothing of asyncio, and ``pyuvnet.aio`` (the bridge)
and ``pyuvnet.promises`` build on them. ``pyuvnet/__init__.py`` calls
:func:`install` when pyuvnet is imported, so every Socket and Server (and
subclass: ``tls.Server``) has them. Each method imports the bridge at its
first call, not here: ``import pyuvnet`` does not import asyncio.
"""
import inspect

from ._server import Server
from ._socket import Socket

__all__ = ['install']


class SocketMethods:
    """What ``Socket`` gets: waits on its events under the asyncio bridge."""

    def connected(self):
        """Awaitable: resolves with the socket on 'connect', raises its
        'error' (see ``pyuvnet.aio.connected``)."""
        from .. import aio
        return aio.connected(self)

    def drained(self):
        """Awaitable: returns once the socket may be written again
        ('drain'; see ``pyuvnet.aio.drained``)."""
        from .. import aio
        return aio.drained(self)

    def __aiter__(self):
        """``async for chunk in sock``: 'data' until 'end', with
        backpressure (see ``pyuvnet.aio.iterate``)."""
        from .. import aio
        return aio.iterate(self)


class ServerMethods:
    """What ``Server`` gets: Node's ``Symbol.asyncDispose`` and
    ``Symbol.asyncIterator`` under the asyncio bridge."""

    def aclose(self):
        """Awaitable: close() and wait for 'close' (Node's
        ``server[Symbol.asyncDispose]()``; see ``pyuvnet.aio.aclose``)."""
        from .. import aio
        return aio.aclose(self)

    def __aiter__(self):
        """``async for sock in server``: Node's ``server[Symbol.asyncIterator]()``
        (Node 26.8), under the asyncio bridge; see ``pyuvnet.promises.ServerIterator``."""
        from ._awaitables import ServerIterator
        return ServerIterator(self)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info):
        await self.aclose()


def install():
    """Give ``Socket`` and ``Server`` the methods above (idempotent).  Each
    is shown as the class's own (``Socket.connected``)."""
    for cls, methods in ((Socket, SocketMethods), (Server, ServerMethods)):
        for name, function in vars(methods).items():
            if inspect.isfunction(function):
                function.__qualname__ = '%s.%s' % (cls.__name__, name)
                setattr(cls, name, function)
