"""pyuvnet.asgi: ASGI 3 applications served by pyuvnet.http (docs/ASGI.md).

    import asyncio
    from pyuvnet import aio, asgi

    async def app(scope, receive, send):
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-type', b'text/plain')]})
        await send({'type': 'http.response.body', 'body': b'hello'})

    async def main():
        async with aio.attach():
            server = asgi.createServer(app)
            server.listen(8000, '127.0.0.1')
            await aio.listening(server)
            ...
            await aio.aclose(server)

    asyncio.run(main())

``createServer(app, options)`` returns an ``http.Server`` (an
``https.Server`` when TLS options are given), so that every form of
``listen()``, cluster, Node's timeouts and limits apply.  The app runs on
asyncio, with pyuvnet's loop driven inside it (pyuvnet.aio).  The rooms:
``_server`` (the servers, listen and close around the lifespan),
``_handler`` (the C request handler made for a server: one request's
scope, receive and send are pyuvnet/uv/asgi/handler.pyx and cycle.pyx),
``_http2`` (an HTTP/2 stream's cycle: uv/asgi/h2_cycle.pyx),
``_websocket`` (the websocket scope over pyuvnet.ws), ``_lifespan``,
``_trace`` (``--log-level trace``'s lines).
"""
from pyuvnet._internal.aliases import module_twins

from ._lifespan import LifespanFailure
from ._server import SecureServer, Server, create_server_for
from ._websocket import ClientDisconnected

__all__ = ['createServer', 'Server', 'SecureServer', 'LifespanFailure', 'ClientDisconnected']


def createServer(app, options=None, **kwargs):
    """A server running the ASGI 3 ``app``.  ``options``: every
    http.createServer option (https's too: with ``key``/``cert`` the
    server is an https.Server and the scope's scheme 'https'), plus
    ``lifespan`` ('auto', 'on' or 'off'; default 'auto') and ``rootPath``
    (the scope's root_path, default '').  A dict or keywords, either
    spelling."""
    return create_server_for(app, options, kwargs)


for _class in (Server, SecureServer, LifespanFailure, ClientDisconnected):
    _class.__module__ = __name__
del _class

module_twins(globals(), 'asgi', ('createServer',), exported=True)
