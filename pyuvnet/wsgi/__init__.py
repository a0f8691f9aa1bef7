"""pyuvnet.wsgi: PEP 3333 applications served by pyuvnet.http (docs/ASGI.md).

``createServer(app, options)`` returns an ``http.Server`` (an
``https.Server`` with TLS options) whose requests run a WSGI app: on
``threads`` worker threads (default 1), so that a blocking app does not
stall the connections, or with ``threads: 0`` on the loop's thread, the
fastest for an app that never blocks.  ``wsgi.input`` is streamed to the
app as it arrives and the response iterable is streamed to the client,
each bounded to 64 KiB ahead of its reader.  The rooms: ``_server``,
``_exchange`` (environ, start_response, the response), ``_input``.
"""
from pyuvnet._internal.aliases import module_twins

from ._server import SecureServer, Server, create_server_for

__all__ = ['createServer', 'Server', 'SecureServer']


def createServer(app, options=None, **kwargs):
    """A server running the WSGI ``app``.  ``options``: every
    http.createServer option (https's too: with ``key``/``cert`` the
    server is an https.Server and wsgi.url_scheme 'https'), plus
    ``threads`` (worker threads, default 1; 0: the loop's thread),
    ``rootPath`` (SCRIPT_NAME, default '') and ``multiprocess``
    (wsgi.multiprocess, default False).  A dict or keywords, either
    spelling."""
    return create_server_for(app, options, kwargs)


for _class in (Server, SecureServer):
    _class.__module__ = __name__
del _class

module_twins(globals(), 'wsgi', ('createServer',), exported=True)
