"""The awaitable methods of ``dgram.Socket`` (docs/ASYNCIO.md, "dgram"):
``await sock.bound()``, ``await sock.connected()``, ``await
sock.sent(msg, ...)``, ``await sock.aclose()``, ``async with sock`` and
``async for msg, rinfo in sock``.

They belong to the asyncio layer, above the core: ``_socket.py`` knows
nothing of asyncio. The face (``pyuvnet/dgram/__init__.py``) calls
:func:`install` when pyuvnet.dgram is imported; each method imports the
bridge (``_awaitables``) at its first call, so that importing
pyuvnet.dgram does not import asyncio.
"""
import inspect

from ._socket import Socket

__all__ = ['install']


class SocketMethods:
    """What ``dgram.Socket`` gets: waits on its events under the asyncio bridge."""

    def bound(self):
        """Awaitable: resolves with the socket once bound ('listening'),
        raises its 'error' (EADDRINUSE, ...) or ERR_SOCKET_DGRAM_NOT_RUNNING
        if it closes first."""
        from ._awaitables import bound
        return bound(self)

    def connected(self):
        """Awaitable: resolves with the socket once connected ('connect'),
        raises its 'error' or ERR_SOCKET_DGRAM_NOT_RUNNING if it closes
        first."""
        from ._awaitables import connected
        return connected(self)

    def sent(self, msg, *args, **keywords):
        """``await sock.sent(msg[, offset, length][, port][, address])``:
        send() (the datagram goes at the call), resolving with the bytes
        sent, raising the send's error (Node's promisified send)."""
        from ._awaitables import sent
        return sent(self, msg, *args, **keywords)

    def aclose(self):
        """Awaitable: close() and wait for 'close' (Node's
        ``socket[Symbol.asyncDispose]()``); at once if closed already."""
        from ._awaitables import aclose
        return aclose(self)

    def messages(self, high_water_mark=None):
        """``async for msg, rinfo in sock.messages(...)``: 'message' as
        pairs, at most ``high_water_mark`` (default 1024) queued before the
        socket stops receiving (see ``MessageIterator``); ``async for ...
        in sock`` is this with the default."""
        from ._awaitables import MessageIterator
        return MessageIterator(self, high_water_mark)

    def __aiter__(self):
        """``async for msg, rinfo in sock``: ``sock.messages()``."""
        from ._awaitables import MessageIterator
        return MessageIterator(self)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info):
        await self.aclose()


def install():
    """Give ``dgram.Socket`` the methods above (idempotent), each shown as
    the class's own (``Socket.bound``)."""
    for name, function in vars(SocketMethods).items():
        if inspect.isfunction(function):
            function.__qualname__ = 'Socket.%s' % name
            setattr(Socket, name, function)
