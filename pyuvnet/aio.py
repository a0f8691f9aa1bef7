"""pyuvnet.aio: pyuvnet's libuv loop driven from inside a running asyncio loop.

    import asyncio
    import pyuvnet as net
    from pyuvnet import aio

    async def main():
        async with aio.attach():
            server = net.createServer(lambda s: s.on('data', s.write))
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            sock = net.connect(server.address().port, '127.0.0.1')
            await aio.connected(sock)
            sock.end(b'hello')
            async for chunk in aio.iterate(sock):
                print(chunk)
            await aio.aclose(server)

    asyncio.run(main())

The bridge (``install()`` / ``attach()``) watches libuv's backend fd with the
asyncio loop's ``add_reader`` and runs one non-blocking libuv turn
(``Loop.run_once()``) whenever that fd is readable, whenever libuv's next
timer is due (an asyncio ``call_later`` re-armed from ``backend_timeout()``
after every turn) and whenever pyuvnet has work queued (``backend_timeout()``
is 0, or the loop's wakeup hook fires because a coroutine wrote, started a
timer, listened or connected).  pyuvnet callbacks and coroutines so run in
one thread, one at a time.

On top of it, awaitables for the common waits: ``listening(server)``,
``connected(sock)``, ``drained(sock)``, ``iterate(sock)`` (``async for``),
``aclose(server)``; and ``run()``, the asyncio twin of ``net.run()``.

The contract (what runs when, where errors go, the limits) is in
docs/ASYNCIO.md.
"""
from ._internal.aio_bridge import (
                                   Bridge, install, uninstall, installed,
                                   attach, run, listening, connected,
                                   drained, iterate, aclose, SocketIterator,
                                   ERR_STREAM_PREMATURE_CLOSE,
                                   )

__all__ = [
    'Bridge', 'install', 'uninstall', 'installed',
    'attach', 'run', 'listening', 'connected',
    'drained', 'iterate', 'aclose', 'SocketIterator',
    'ERR_STREAM_PREMATURE_CLOSE',
]
