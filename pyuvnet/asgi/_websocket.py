"""The ASGI ``websocket`` scope over pyuvnet.ws.

An upgrade request (``Upgrade: websocket``) runs the app with the
websocket scope; the handshake completes when the app sends
``websocket.accept`` (through ``WebSocketServer.handleUpgrade``, with the
subprotocol and headers it gives), or is refused with a 403 when it sends
``websocket.close`` first.  Where the spec leaves room, uvicorn's choices
(uvicorn/protocols/websockets/websockets_impl.py): an app that fails or
returns before the handshake gets a 500; one that fails after it closes
the connection with 1011; one that returns without closing closes it with
1000; send() after the client left raises ``ClientDisconnected`` (an
OSError).

The server's options bound what a connection costs, as uvicorn's flags
(its defaults when absent): ``wsMaxSize`` (16 MiB) a message, counted
after inflation and refused with 1009 as soon as zlib passes it;
``wsMaxQueue`` (32) the messages waiting for receive(): at that many the
connection is paused (not one more frame parsed) until the app catches up;
``wsPingInterval`` / ``wsPingTimeout`` (20 s, 20 s; None: none) a
keepalive ping, and a close with 1011 when its pong does not come in time;
``wsPerMessageDeflate`` (True) offers permessage-deflate.
"""
import collections
import logging
from urllib.parse import quote

from pyuvnet import _uv

__all__ = ['WebSocketCycle', 'ClientDisconnected', 'upgrade_server', 'WebSocketSettings']

# uvicorn's logger, for every WebSocket line: its access line ('"WebSocket
# /ws" [accepted]'), websockets' 'connection open' and 'connection rejected
# (403 Forbidden)' (which uvicorn hands that logger), and the app's errors.
logger = logging.getLogger('uvicorn.error')

_500 = (b'HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n'
        b'Content-Length: 21\r\nConnection: close\r\n\r\nInternal Server Error')
_403 = b'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
_REJECTED = {_500: '500 Internal Server Error', _403: '403 Forbidden'}


class ClientDisconnected(OSError):
    """send() on a WebSocket the client has closed."""


class WebSocketSettings:
    """An ASGI server's WebSocket settings, its Config's ``ws_*`` (None
    turns the pings off, as uvicorn's; 0 turns a limit or the pings off)."""

    def __init__(self, config):
        self.max_size = config.ws_max_size
        self.max_queue = config.ws_max_queue
        self.ping_interval = config.ws_ping_interval
        self.ping_timeout = config.ws_ping_timeout
        self.per_message_deflate = config.ws_per_message_deflate


def upgrade_server(settings):
    """The WebSocketServer that completes the handshakes of one ASGI
    server (noServer; the subprotocol and headers are the app's)."""
    from pyuvnet.ws import WebSocketServer
    wss = WebSocketServer(noServer=True, perMessageDeflate=settings.per_message_deflate,
                          maxPayload=settings.max_size or 0, clientTracking=False,
                          handleProtocols=lambda offered, req: req._asgi_accept[0])
    wss.on('headers', lambda lines, req: lines.extend(req._asgi_accept[1]))
    return wss


class WebSocketCycle:
    """One WebSocket connection, for one run of the app."""

    def __init__(self, server, req, socket, head):
        self.server = server
        self.req = req
        self.socket = socket
        self.head = head
        self.loop = server._loop
        self.ws = None
        self.connect_given = False
        self.accepted = False
        self.refused = False        # a 403 or 500 went out instead of the handshake
        self.closed = False         # the connection is over (the client's or our close)
        self.close_sent = False
        self.queue = collections.deque()
        self.waiter = None
        self.settings = server._ws_settings
        self.ping_timer = None      # the keepalive's interval, then its pong's deadline
        self.pong_due = None
        scope = self.scope = server._asgi.scope(req, socket, 'websocket')
        offered = req.headers.get('sec-websocket-protocol', '')
        scope['subprotocols'] = [p.strip() for p in offered.split(',') if p.strip()]
        socket.on('close', self.on_socket_close)

    async def run(self, app):
        try:
            await app(self.scope, self.receive, self.send)
        except BaseException as exc:
            logger.error('Exception in ASGI application', exc_info=exc)
            if not self.accepted:
                self.refuse(_500)
            elif not self.closed:
                self.ws.close(1011)
            if not isinstance(exc, Exception):
                raise
        else:
            if not self.accepted and not self.refused:
                logger.error('ASGI callable returned without completing handshake.')
                self.refuse(_500)
            elif self.accepted and not self.close_sent and not self.closed:
                self.ws.close(1000)
        finally:
            self.wake()

    def going_away(self):
        if self.ws is not None and not self.closed and not self.close_sent:
            self.close_sent = True
            self.ws.close(1012)
        elif self.ws is None and not self.closed:
            self.refuse(_403)

    def access(self, outcome):
        """uvicorn's WebSocket access line: '127.0.0.1:5000 - "WebSocket
        /ws?x=1" [accepted]' (or 403)."""
        scope = self.scope
        client = scope.get('client')
        target = quote(scope['path'])
        if scope['query_string']:
            target += '?' + scope['query_string'].decode('ascii')
        logger.info('%s - "WebSocket %s" %s', '%s:%d' % tuple(client) if client else '',
                    target, outcome)

    def refuse(self, answer):
        if not self.refused and not self.socket.destroyed:
            self.refused = True
            logger.info('connection rejected (%s)', _REJECTED[answer])
            self.socket.end(answer)
            # Detached from HTTP it is paused: read on, to see the peer's end.
            self.socket.resume()

    # -- the connection's events -------------------------------------------------

    def wake(self, *_):
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def on_message(self, data, is_binary):
        self.queue.append({'type': 'websocket.receive', 'bytes': data} if is_binary else
                          {'type': 'websocket.receive', 'text': data.decode('utf-8')})
        if 0 < (self.settings.max_queue or 0) <= len(self.queue):
            self.ws.pause()
        self.wake()

    def on_close(self, code, reason):
        self.closed = True
        self.stop_pings()
        self.queue.append({'type': 'websocket.disconnect', 'code': code,
                           'reason': bytes(reason).decode('utf-8', 'replace')})
        self.wake()

    def on_socket_close(self, *_):
        if self.ws is None and not self.closed:
            # Gone before the handshake.
            self.closed = True
            self.queue.append({'type': 'websocket.disconnect', 'code': 1006, 'reason': ''})
            self.wake()

    def accepted_by(self, ws, req):
        self.ws = ws
        logger.info('connection open')
        ws.on('message', self.on_message)
        ws.on('close', self.on_close)
        # A peer's protocol error (1002, 1007, 1009 past wsMaxSize...): the
        # close frame with its code follows, then 'close' (the app's
        # websocket.disconnect); websockets logs it at debug level.
        ws.on('error', self.on_error)
        if self.settings.ping_interval:
            ws.on('pong', self.on_pong)
            self.ping_timer = _uv.setInterval(self.keepalive, self.settings.ping_interval * 1000)

    def on_error(self, err):
        logger.debug('WebSocket closed by a protocol error: %s', err)

    # -- the keepalive (websockets' keepalive_ping, as uvicorn runs it) ------------

    def keepalive(self):
        if self.pong_due is not None:
            return                  # the last ping's pong is still awaited
        self.ws.ping()
        if self.settings.ping_timeout:
            self.pong_due = _uv.setTimeout(self.pong_missed, self.settings.ping_timeout * 1000)

    def on_pong(self, data):
        if self.pong_due is not None:
            _uv.clearTimeout(self.pong_due)
            self.pong_due = None

    def pong_missed(self):
        self.pong_due = None
        self.stop_pings()
        if not self.closed and not self.close_sent:
            self.close_sent = True
            self.ws.close(1011, 'keepalive ping timeout')

    def stop_pings(self):
        if self.ping_timer is not None:
            _uv.clearInterval(self.ping_timer)
            self.ping_timer = None
        if self.pong_due is not None:
            _uv.clearTimeout(self.pong_due)
            self.pong_due = None

    # -- receive and send ----------------------------------------------------------

    async def receive(self):
        if not self.connect_given:
            self.connect_given = True
            return {'type': 'websocket.connect'}
        while not self.queue:
            if self.waiter is None:
                self.waiter = self.loop.create_future()
            await self.waiter
        message = self.queue.popleft()
        if self.ws is not None and self.ws.isPaused and not self.closed and (
                len(self.queue) < (self.settings.max_queue or 1 << 62)):
            self.ws.resume()
        return message

    async def send(self, message):
        kind = message['type']
        if not self.accepted and not self.refused:
            if self.closed:
                raise ClientDisconnected('the client left before the handshake')
            if kind == 'websocket.accept':
                self.accepted = True
                self.access('[accepted]')
                headers = ['%s: %s' % (name.decode('latin-1'), value.decode('latin-1'))
                           for name, value in message.get('headers') or ()]
                self.req._asgi_accept = (message.get('subprotocol'), headers)
                self.server._upgrades().handleUpgrade(self.req, self.socket, self.head,
                                                      self.accepted_by)
                if self.ws is None:
                    self.closed = True      # the handshake was refused (a bad request)
                return
            if kind == 'websocket.close':
                self.access('403')
                self.refuse(_403)
                return
            raise RuntimeError("Expected ASGI message 'websocket.accept' or 'websocket.close', "
                               "but got '%s'." % kind)
        if self.refused or self.closed:
            raise ClientDisconnected('the WebSocket is closed')
        if self.close_sent:
            raise RuntimeError("Unexpected ASGI message '%s', after sending 'websocket.close'."
                               % kind)
        if kind == 'websocket.send':
            data = message.get('bytes')
            if data is None:
                data = message.get('text')
                if data is None:
                    raise RuntimeError("'websocket.send' needs 'bytes' or 'text'")
            self.ws.send(data)
            socket = self.socket
            while socket.writableNeedDrain and not self.closed:
                socket.once('drain', self.wake)
                if self.waiter is None:
                    self.waiter = self.loop.create_future()
                await self.waiter
        elif kind == 'websocket.close':
            self.close_sent = True
            self.ws.close(message.get('code', 1000), message.get('reason') or '')
        else:
            raise RuntimeError("Expected ASGI message 'websocket.send' or 'websocket.close', "
                               "but got '%s'." % kind)
