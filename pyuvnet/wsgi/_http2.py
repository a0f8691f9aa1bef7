"""WSGI over HTTP/2: the server's request sink, and the Python of its rare
paths, which the C stream calls (uv/wsgi/h2_call.pyx).

Each request stream is made straight from the session's nghttp2 callbacks
(no Http2Stream), its environ made by the one builder of every protocol
(uv/wsgi/environ.pyx) and its app run by the one WsgiCall of every
protocol (uv/wsgi/call.pyx), on the server's worker threads (one at
least, whatever ``threads`` says: the loop's thread never waits for a
body or a client). What is HTTP/2's:

- the environ's ``SERVER_PROTOCOL`` is 'HTTP/2', ``HTTP_HOST`` comes from
  ``:authority`` when no ``host`` came, and ``wsgi.multithread`` is True;
- ``wsgi.input`` streams the body (StreamInput: no more than 64 KiB wait,
  then the stream's flow-control window stays shut until the app reads);
- each chunk of the response is handed to the loop's thread, and the
  app's thread waits while 16 KiB or more wait to be framed, so a client
  that does not read holds the app, not memory;
- a client that resets the stream ends the body's iteration; an app that
  fails before its head went out gets a 500, after it the stream is reset
  (INTERNAL_ERROR) once what it sent has left.

start_response's rules are HTTP/1.1's (pyuvnet/wsgi/_exchange.py:
gunicorn's), the head's block is made as the ASGI server's.
"""
from pyuvnet import _uv
from pyuvnet._internal.app_http2 import log_access as _log_line, response_block

__all__ = ['request_sink_for', 'log_access', 'response_block']


def request_sink_for(server):
    """The WSGI server's request sink (its sessions' cores hand it their
    requests: ``sink.serve(session)``)."""
    return _uv.WsgiH2Sink(server)


def log_access(environ, status):
    """uvicorn's access line of a response whose head goes out now: the
    environ's client (the forwarded one from a trusted proxy) and target."""
    client = (environ['REMOTE_ADDR'], int(environ['REMOTE_PORT'])) \
        if environ.get('REMOTE_PORT') else None
    path = environ['SCRIPT_NAME'] + environ['PATH_INFO']
    if environ['QUERY_STRING']:
        path += '?' + environ['QUERY_STRING']
    _log_line(client, environ['REQUEST_METHOD'], path, status)
