"""pyuvnet.promises: Node's ``net/promises`` (Node 26.8, experimental there),
as asyncio awaitables, and ``async for sock in server``.

    import pyuvnet as net
    from pyuvnet import aio, promises

    async def main():
        async with aio.attach():
            server = await promises.listen({'port': 0, 'host': '127.0.0.1'})
            sock = await promises.connect(server.address().port, '127.0.0.1')
            async for accepted in server:       # Node's server[Symbol.asyncIterator]
                accepted.end(b'hello')
                break

:func:`connect` and :func:`listen` need the asyncio bridge (``aio.attach()``
or ``aio.install()``) on the running loop. As the body of Node's async
functions runs at the call until its first ``await``, both start their work
at the call (the socket connects, the server binds) and return an
``asyncio.Future`` that settles on the events; bad arguments raise at the
call, as every pyuvnet call does. Cancelling the future (or the task
awaiting it) gives up as a rejection does: the socket is destroyed, the
server closed. See docs/ASYNCIO.md.
"""
from .net._awaitables import ServerIterator, connect, listen

__all__ = ['connect', 'listen', 'ServerIterator']
