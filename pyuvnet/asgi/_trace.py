"""``--log-level trace``: uvicorn's TRACE lines, made only when that level
is on when the server is made (nothing is added to a request otherwise).

- ``uvicorn.error``: '127.0.0.1:5000 - HTTP connection made' and '... -
  HTTP connection lost', each TCP connection's (uvicorn's protocols log
  them); a connection upgraded to WebSocket logs '... - Upgrading to
  WebSocket' and '... - WebSocket connection made' instead, and at its end
  '... - WebSocket connection lost' (uvicorn's WebSocket protocol takes the
  connection over, and its HTTP one logs no loss);
- ``uvicorn.asgi``: every ASGI message, as uvicorn's MessageLoggerMiddleware
  logs them: '127.0.0.1:5000 - ASGI [2] Started scope={...}', 'Receive
  {...}', 'Send {...}', then 'Completed' or 'Raised exception'; bodies,
  texts and headers are given as their sizes ('<5 bytes>', '<...>').
"""
import itertools
import logging

from pyuvnet._internal.app_config import TRACE_LOG_LEVEL

__all__ = ['traced_app', 'trace_connections']

_asgi_logger = logging.getLogger('uvicorn.asgi')
_error_logger = logging.getLogger('uvicorn.error')
_SIZED = {'body': '<%d bytes>', 'bytes': '<%d bytes>', 'text': '<%d chars>'}


def _shown(message):
    """``message`` with what it carries given by size."""
    shown = dict(message)
    for name, form in _SIZED.items():
        if shown.get(name) is not None:
            shown[name] = form % len(shown[name])
    if shown.get('headers') is not None:
        shown['headers'] = '<...>'
    return shown


def traced_app(app):
    """``app`` itself, or (the ``uvicorn.asgi`` logger at TRACE) ``app``
    wrapped so that each of its scopes and messages is logged."""
    if not _asgi_logger.isEnabledFor(TRACE_LOG_LEVEL):
        return app
    counter = itertools.count(1)

    async def traced(scope, receive, send):
        number = next(counter)
        client = scope.get('client')
        prefix = '%s:%d - ASGI' % tuple(client) if client else 'ASGI'

        def log(text, *args):
            _asgi_logger.log(TRACE_LOG_LEVEL, '%s [%d] ' + text, prefix, number, *args)

        async def receive_traced():
            message = await receive()
            log('Receive %s', _shown(message))
            return message

        async def send_traced(message):
            log('Send %s', _shown(message))
            await send(message)

        log('Started scope=%s', _shown(scope))
        try:
            await app(scope, receive_traced, send_traced)
        except BaseException:
            log('Raised exception')
            raise
        log('Completed')
    return traced


def _peer(socket):
    return '%s:%d - ' % (socket.remoteAddress, socket.remotePort) if socket.remoteAddress else ''


def _trace(text, socket):
    _error_logger.log(TRACE_LOG_LEVEL, '%s' + text, _peer(socket))


def trace_connections(server):
    """Each connection's 'made' and 'lost' TRACE line, HTTP or WebSocket,
    when that level is on for ``uvicorn.error``."""
    if not _error_logger.isEnabledFor(TRACE_LOG_LEVEL):
        return
    upgraded = set()  # the sockets now WebSocket's, until they close

    def lost(socket):
        if socket in upgraded:
            upgraded.discard(socket)
            _trace('WebSocket connection lost', socket)
        else:
            _trace('HTTP connection lost', socket)

    def made(socket):
        _trace('HTTP connection made', socket)
        socket.once('close', lambda *_: lost(socket))

    def upgrading(req, socket, head):
        upgraded.add(socket)
        _trace('Upgrading to WebSocket', socket)
        _trace('WebSocket connection made', socket)
    server.prependListener('connection', made)
    server.prependListener('upgrade', upgrading)
