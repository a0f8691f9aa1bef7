"""WebSocketServer: ws v8's lib/websocket-server.js on pyuvnet.http.

On its own port (an http.Server answering other requests 426), on an
existing http.Server (its 'upgrade' event), or with ``noServer`` where the
caller hands upgrades to ``handleUpgrade``.  The handshake's checks, their
order, status codes and messages are ws's (405, 400 with its message,
the 400 of a path not served, 401 of verifyClient, 503 once closing).
"""
import base64
import weakref

from pyuvnet import _uv
from pyuvnet import http
from pyuvnet._internal.aliases import twins
from pyuvnet._internal.options import OptionSpec, normalize_options
from pyuvnet.events import EventEmitter

from ._constants import CLOSE_TIMEOUT, MAX_PAYLOAD, accept_key
from ._errors import WebSocketError
from ._extension import format_extensions, parse_extensions, parse_protocols
from ._permessage_deflate import EXTENSION_NAME, PerMessageDeflate
from ._websocket import WebSocket

RUNNING, CLOSING, CLOSED = range(3)
# Sockets a WebSocket took over (ws's socket[kWebSocket]).
_TAKEN: "weakref.WeakSet[object]" = weakref.WeakSet()

SERVER_OPTIONS = OptionSpec({
    'allowSynchronousEvents': 'boolean', 'autoPong': 'boolean', 'backlog': 'integer',
    'clientTracking': 'boolean', 'closeTimeout': 'number', 'handleProtocols': 'function',
    'host': 'string', 'maxBufferedChunks': 'integer', 'maxFragments': 'integer',
    'maxPayload': 'integer', 'maxPendingAutoPongs': 'integer', 'noServer': 'boolean',
    'path': 'string', 'perMessageDeflate': ('boolean', 'object'), 'port': 'integer',
    'server': 'object', 'skipUTF8Validation': 'boolean', 'verifyClient': 'function',
    'WebSocket': 'function',
})


def _valid_key(key):
    # ws's keyRegex: 16 bytes in base64.
    if key is None or len(key) != 24 or not key.endswith('=='):
        return False
    try:
        return len(base64.b64decode(key, validate=True)) == 16
    except ValueError:
        return False


@twins('shouldHandle', 'handleUpgrade', bases=('EventEmitter',))
class WebSocketServer(EventEmitter):
    """``WebSocketServer(options=None, callback=None, **kwargs)``: one and
    only one of ``port``, ``server`` and ``noServer``. Events:
    'connection'(ws, req), 'listening', 'headers'(headers, req),
    'close', 'error'(err), 'wsClientError'(err, socket, req)."""

    def __init__(self, options=None, callback=None, **kwargs):
        super().__init__()
        opts = {
            'allowSynchronousEvents': True, 'autoPong': True, 'maxBufferedChunks': 256 * 1024,
            'maxFragments': 16 * 1024, 'maxPayload': MAX_PAYLOAD, 'maxPendingAutoPongs': 60,
            'skipUTF8Validation': False, 'perMessageDeflate': False, 'handleProtocols': None,
            'clientTracking': True, 'closeTimeout': CLOSE_TIMEOUT, 'verifyClient': None,
            'noServer': False, 'backlog': None, 'server': None, 'host': None, 'path': None,
            'port': None, 'WebSocket': WebSocket,
        }
        opts.update(normalize_options(options, kwargs, SERVER_OPTIONS))
        has_port = opts['port'] is not None
        if (not has_port and not opts['server'] and not opts['noServer']) or (
                has_port and (opts['server'] or opts['noServer'])) or (
                opts['server'] and opts['noServer']):
            raise TypeError('One and only one of the "port", "server", or "noServer" '
                            'options must be specified')
        self._server = None
        self._remove_listeners = None
        if has_port:
            self._server = http.createServer(_answer_426)
            args = [opts['port']]
            if opts['host'] is not None:
                args.append(opts['host'])
            if opts['backlog'] is not None:
                args.append(opts['backlog'])
            if callback is not None:
                args.append(callback)
            self._server.listen(*args)
        elif opts['server']:
            self._server = opts['server']
        if self._server is not None:
            self._remove_listeners = _add_listeners(self._server, {
                'listening': lambda *a: self.emit('listening'),
                'error': lambda err: self.emit('error', err),
                'upgrade': lambda req, socket, head: self.handleUpgrade(
                    req, socket, head, lambda ws, r: self.emit('connection', ws, r)),
            })
        if opts['perMessageDeflate'] is True:
            opts['perMessageDeflate'] = {}
        self.clients = set() if opts['clientTracking'] else None
        self._should_emit_close = False
        self.options = opts
        self._state = RUNNING

    def address(self):
        """The listening address (http.Server's), for a server on a port."""
        if self.options['noServer']:
            raise WebSocketError('The server is operating in "noServer" mode')
        if self._server is None:
            return None
        return self._server.address()

    def close(self, cb=None):
        """Stops accepting connections ('close' once the own server closed,
        or at once); open connections are left to the caller."""
        if self._state == CLOSED:
            if cb is not None:
                self.once('close', lambda: cb(WebSocketError('The server is not running')))
            _uv.nextTick(self._emit_close)
            return
        if cb is not None:
            self.once('close', cb)
        if self._state == CLOSING:
            return
        self._state = CLOSING
        if self.options['noServer'] or self.options['server']:
            if self._server is not None:
                self._remove_listeners()
                self._remove_listeners = self._server = None
            if self.clients:
                self._should_emit_close = True
            else:
                _uv.nextTick(self._emit_close)
        else:
            server = self._server
            self._remove_listeners()
            self._remove_listeners = self._server = None
            server.close(lambda *a: self._emit_close())

    def _emit_close(self):
        self._state = CLOSED
        self.emit('close')

    def shouldHandle(self, req):
        """Whether ``req`` is for this server (its ``path``, if given)."""
        path = self.options['path']
        if path:
            return req.url.split('?', 1)[0] == path
        return True

    def handleUpgrade(self, req, socket, head, cb):
        """Completes (or refuses) the handshake of ``req`` on ``socket``;
        ``cb(ws, req)`` with the WebSocket."""
        on_error = _destroy_on_error(socket)
        socket.on('error', on_error)
        headers = req.headers
        key = headers.get('sec-websocket-key')
        upgrade = headers.get('upgrade')
        version = headers.get('sec-websocket-version', '').strip()
        if req.method != 'GET':
            return self._refuse(req, socket, 405, 'Invalid HTTP method')
        if upgrade is None or upgrade.lower() != 'websocket':
            return self._refuse(req, socket, 400, 'Invalid Upgrade header')
        if not _valid_key(key):
            return self._refuse(req, socket, 400, 'Missing or invalid Sec-WebSocket-Key header')
        if version not in ('13', '8'):
            return self._refuse(req, socket, 400, 'Missing or invalid Sec-WebSocket-Version header',
                                {'Sec-WebSocket-Version': '13, 8'})
        if not self.shouldHandle(req):
            return abort_handshake(socket, 400)
        protocols = []
        if 'sec-websocket-protocol' in headers:
            try:
                protocols = parse_protocols(headers['sec-websocket-protocol'])
            except ValueError:
                return self._refuse(req, socket, 400, 'Invalid Sec-WebSocket-Protocol header')
        extensions = {}
        offer = headers.get('sec-websocket-extensions')
        if self.options['perMessageDeflate'] not in (False, None) and offer is not None:
            deflate = PerMessageDeflate(self.options['perMessageDeflate'], True,
                                        self.options['maxPayload'])
            try:
                offers = parse_extensions(offer)
                if EXTENSION_NAME in offers:
                    deflate.accept(offers[EXTENSION_NAME])
                    extensions[EXTENSION_NAME] = deflate
            except (ValueError, TypeError, WebSocketError):
                return self._refuse(req, socket, 400,
                                    'Invalid or unacceptable Sec-WebSocket-Extensions header')
        verify = self.options['verifyClient']
        if verify is not None:
            info = {'origin': headers.get('sec-websocket-origin' if version == '8' else 'origin'),
                    'secure': bool(getattr(req.socket, 'authorized', False) or
                                   getattr(req.socket, 'encrypted', False)),
                    'req': req}
            if _takes_callback(verify):
                def verified(ok, code=None, message=None, headers=None):
                    if not ok:
                        return abort_handshake(socket, code or 401, message, headers)
                    self._complete(extensions, key, protocols, req, socket, head, cb, on_error)
                verify(info, verified)
                return
            if not verify(info):
                return abort_handshake(socket, 401)
        self._complete(extensions, key, protocols, req, socket, head, cb, on_error)

    def _complete(self, extensions, key, protocols, req, socket, head, cb, on_error):
        # A client that already sent its FIN (or a socket gone) gets no
        # connection, as ws.
        if socket.destroyed or socket.writableEnded or not socket.readable or \
                not socket.writable:
            return socket.destroy()
        if socket in _TAKEN:
            raise WebSocketError('server.handleUpgrade() was called more than once with the '
                                 'same socket, possibly due to a misconfiguration')
        if self._state > RUNNING:
            return abort_handshake(socket, 503)
        lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket',
                 'Connection: Upgrade', 'Sec-WebSocket-Accept: ' + accept_key(key)]
        ws = self.options['WebSocket'](None, None, self.options)
        if protocols:
            handle = self.options['handleProtocols']
            protocol = handle(set(protocols), req) if handle else protocols[0]
            if protocol:
                lines.append('Sec-WebSocket-Protocol: ' + protocol)
                ws._protocol = protocol
        if EXTENSION_NAME in extensions:
            params = extensions[EXTENSION_NAME].params
            lines.append('Sec-WebSocket-Extensions: ' +
                         format_extensions({EXTENSION_NAME: [params]}))
            ws._extensions = extensions
        self.emit('headers', lines, req)
        _TAKEN.add(socket)
        socket.write('\r\n'.join(lines + ['', '']).encode('latin-1'))
        socket.removeListener('error', on_error)
        ws._set_socket(socket, head, self.options)
        if self.clients is not None:
            self.clients.add(ws)
            ws.on('close', lambda *a: self._client_closed(ws))
        cb(ws, req)

    def _client_closed(self, ws):
        self.clients.discard(ws)
        if self._should_emit_close and not self.clients:
            _uv.nextTick(self._emit_close)

    def _refuse(self, req, socket, code, message, headers=None):
        # ws's abortHandshakeOrEmitwsClientError.
        if self.listenerCount('wsClientError'):
            self.emit('wsClientError', WebSocketError(message), socket, req)
        else:
            abort_handshake(socket, code, message, headers)


def _takes_callback(fn):
    import inspect
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) == 2


def _answer_426(req, res):
    body = http.STATUS_CODES[426]
    res.writeHead(426, {'Content-Length': len(body), 'Content-Type': 'text/plain'})
    res.end(body)


def _add_listeners(server, listeners):
    for event, listener in listeners.items():
        server.on(event, listener)

    def remove():
        for event, listener in listeners.items():
            server.removeListener(event, listener)
    return remove


def _destroy_on_error(socket):
    # ws's socketOnError during the handshake.
    return lambda *args: socket.destroy()


def abort_handshake(socket, code, message=None, headers=None):
    """ws's abortHandshake: an HTTP answer, then the socket destroyed once
    written."""
    reason = http.STATUS_CODES.get(code, '')
    message = message or reason
    body = message.encode()
    fields = {'Connection': 'close', 'Content-Type': 'text/html',
              'Content-Length': len(body)}
    fields.update(headers or {})
    head = 'HTTP/1.1 %d %s\r\n' % (code, reason) + ''.join(
        '%s: %s\r\n' % item for item in fields.items()) + '\r\n'
    socket.once('finish', socket.destroy)
    socket.end(head.encode('latin-1') + body)


