"""HTTP/2 beside HTTP/1.1 on one ASGI or WSGI server (``http2`` option,
``pyuvnet serve --http2/--no-http2``; on by default, as hypercorn and
granian serve it).

- With TLS, ALPN offers ``h2`` and ``http/1.1``; a connection that chose
  ``h2`` becomes a pyuvnet.http2 ServerHttp2Session, any other goes to the
  server's HTTP/1.1 parser.
- Without TLS, a connection whose first bytes are HTTP/2's connection
  preface is served as h2c (prior knowledge, RFC 9113 3.3), and so is one
  that begins as the preface does and then differs, or that could not
  open a request line at all (a frame with no preface): an invalid
  preface, a connection error the session answers as Node 20's does, with
  GOAWAY (RFC 9113 3.4). Anything else goes to the HTTP/1.1 parser with
  the bytes read so far, which answers a bad request line 400 as uvicorn
  does (and so h2spec's 3.5/2, "INVALID CONNECTION PREFACE", gets the
  400, as hypercorn closes without a word). The first bytes are looked at
  once per connection, not per request.

The request streams of both servers share this module's headers_object(),
response_block() and log_access().

Each server's requests go to its request sink (no Http2Stream:
``sink.serve(session)`` has the session's core hand them over, uv/http2/
request_sink.pxd); the sessions are closed (GOAWAY) with the server.

A session with no open stream for the server's ``keepAliveTimeout``
(``--timeout-keep-alive``) is closed as an idle HTTP/1.1 keep-alive
connection is: GOAWAY (NO_ERROR), then the connection ends. A stream
open counts as activity however quiet it is (an app streaming slowly, a
client reading slowly), as hypercorn's keep-alive timeout counts only
connections without a request.
"""
import logging

from pyuvnet import _uv, http2
from pyuvnet._internal.first_bytes import FirstBytes
# The ASGI request sink's header blocks (pyuvnet/asgi/_http2.py): made and
# checked as Http2Stream's respond() makes them; and its session's errors.
from pyuvnet._internal.http2.headers import (RESPONSE_PSEUDO, TRAILER_PSEUDO, pairs_block, status_error,
                                             to_block, utc_date)
from pyuvnet._internal.http2.errors import ERR_HTTP2_ERROR, ERR_HTTP2_INVALID_SESSION

__all__ = ['serve_http2', 'ServesHttp2', 'is_http_listener', 'PREFACE', 'ALPN_PROTOCOLS',
           'headers_object', 'log_access', 'response_headers', 'response_block', 'access_logger',
           'RESPONSE_PSEUDO', 'TRAILER_PSEUDO', 'pairs_block', 'status_error', 'to_block',
           'utc_date', 'ERR_HTTP2_ERROR', 'ERR_HTTP2_INVALID_SESSION']

access_logger = logging.getLogger('uvicorn.access')
# Headers HTTP/2 forbids (RFC 9113 8.2.2): dropped from an app's response.
_CONNECTION_SPECIFIC = frozenset((b'connection', b'keep-alive', b'proxy-connection',
                                  b'transfer-encoding', b'upgrade'))

PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
ALPN_PROTOCOLS = ['h2', 'http/1.1']
# HTTP/2's preface opens as a request line with the method PRI; the bytes
# an HTTP/1.1 request line may open with (RFC 9110's token).
_PREFACE_METHOD = PREFACE[:4]
_TOKEN_BYTES = frozenset(b"!#$%&'*+-.^_`|~0123456789"
                         b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def is_http_listener(listener):
    """Whether ``listener`` is the one a server's connections go through to
    reach HTTP: http.Server's (the ServerExchange class, bound), or the
    h2c router that stands in for it."""
    if isinstance(listener, _PrefaceRouter):
        return True
    return isinstance(getattr(listener, 'func', None), type) \
        and issubclass(listener.func, _uv.ServerExchange)


def serve_http2(server, sink):
    """Make ``server`` (an ASGI or WSGI http.Server or https.Server, its
    ``_scheme`` set) serve HTTP/2 connections, their requests to ``sink``.
    Call before take_proxy_protocol (a PROXY header comes before the
    preface)."""
    event = 'secureConnection' if server._scheme == 'https' else 'connection'
    http_listener, = [listener for listener in server.listeners(event)
                      if is_http_listener(listener)]
    server.removeListener(event, http_listener)
    server._h2_sessions = set()
    server._h2_options = {'settings': {
        'maxConcurrentStreams': server.config.h2_max_concurrent_streams}}
    router = (_ALPNRouter if event == 'secureConnection' else _PrefaceRouter)(
        server, http_listener, sink)
    server.on(event, router)


class ServesHttp2:
    """What an ASGI or WSGI server adds to http.Server's close() and
    closeAllConnections() for its HTTP/2 sessions (none until
    serve_http2())."""

    _h2_sessions: 'frozenset[object] | set[object]' = frozenset()

    def close(self, callback=None):
        """http.Server's close(), and GOAWAY on each HTTP/2 session: no new
        streams; each session ends once its streams are done."""
        super().close(callback)
        for session in list(self._h2_sessions):
            session.close()
        return self

    def closeAllConnections(self):
        """http.Server's, and every HTTP/2 session destroyed too (its
        streams reset)."""
        super().closeAllConnections()
        for session in list(self._h2_sessions):
            session.destroy()


def _start_session(server, socket, sink):
    # Streams bounded per connection as every http2 server session is
    # (--h2-max-concurrent-streams its value): nghttp2 refuses those over
    # the setting (REFUSED_STREAM) until the peer has acknowledged it, and
    # ends a connection that opens more after that.
    session = http2.ServerHttp2Session(socket, server._h2_options, server)
    sink.serve(session)
    server._h2_sessions.add(session)
    _Served(server, session)
    return session


class _Served:
    """One session's listeners, as bound methods of this object (no
    closure over the session): at 'close' it lets go of the session, so
    that no session -> listener -> session loop is left for the gc."""

    __slots__ = ('server', 'session', 'msecs')

    def __init__(self, server, session):
        self.server = server
        self.session = session
        self.msecs = server.keepAliveTimeout
        # A peer's protocol error ends its session ('error', then 'close'):
        # the server carries on.
        session.on('error', _ignore)
        session.on('close', self._on_close)
        # GOAWAY once the session has been quiet ``msecs`` with no stream
        # open (the socket's timer counts the quiet; 0 turns it off).
        if self.msecs:
            session.setTimeout(self.msecs, self._on_timeout)

    def _on_close(self):
        self.server._h2_sessions.discard(self.session)
        self.session = None

    def _on_timeout(self):
        session = self.session
        if session is None:
            return
        if session._streams:
            # A stream open but quiet: look again after another spell.
            session.setTimeout(self.msecs, self._on_timeout)
        else:
            session.close()


def _ignore(*_):
    pass


class _ALPNRouter:
    """An https.Server's 'secureConnection': h2 or HTTP/1.1 by ALPN."""

    def __init__(self, server, http_listener, sink):
        self.server = server
        self.http_listener = http_listener
        self.sink = sink

    def __call__(self, socket):
        if socket.alpnProtocol == 'h2':
            _start_session(self.server, socket, self.sink)
        else:
            self.http_listener(socket)


class _PrefaceRouter(_ALPNRouter):
    """An http.Server's 'connection': h2c when the preface opens it."""

    def __call__(self, socket):
        _PrefaceWatch(self, socket)


class _PrefaceWatch(FirstBytes):
    """One connection's first bytes, read until they tell HTTP/2's preface
    or an HTTP/1.1 request from anything else (at most 24 bytes are held).
    A connection that says nothing within the server's headersTimeout is
    destroyed, as the HTTP/1.1 parser's own check would."""

    def __init__(self, router, socket):
        super().__init__(socket, router.server.headersTimeout)
        self.router = router

    def on_data(self, chunk):
        data = self.pending + bytes(chunk)
        seen = min(len(data), len(PREFACE))
        if data[:seen] == PREFACE[:seen]:
            if seen < len(PREFACE):
                self.pending = data
            else:
                self.hand_over(self.start_session, data)
            return
        # (The empty lines a request line may follow, RFC 9112 2.2.)
        line = data.lstrip(b'\r\n')
        if not line and len(data) < len(PREFACE):
            self.pending = data
        elif data.startswith(_PREFACE_METHOD) or (line and line[0] not in _TOKEN_BYTES):
            # An invalid preface, the session's to refuse.
            self.hand_over(self.start_session, data)
        else:
            self.hand_over(self.router.http_listener, data)

    def start_session(self, socket):
        router = self.router
        _start_session(router.server, socket, router.sink)


def headers_object(pairs):
    """Node's headers object of ASGI header pairs (bytes or str), names
    lower-cased, repeats as lists; connection-specific headers dropped."""
    headers = {}
    for name, value in pairs:
        name = (name if isinstance(name, bytes) else name.encode('latin-1')).lower()
        if name in _CONNECTION_SPECIFIC:
            continue
        key = name.decode('latin-1')
        text = value.decode('latin-1') if isinstance(value, bytes) else str(value)
        existing = headers.get(key)
        if existing is None:
            headers[key] = text
        elif isinstance(existing, list):
            existing.append(text)
        else:
            headers[key] = [existing, text]
    return headers


def response_headers(status, pairs, defaults):
    """A response head's headers (Node's object) of a status and the app's
    header pairs, the server's ``defaults`` (name, value) added where the
    app set none: both servers' HTTP/2 heads."""
    headers = headers_object(pairs)
    headers[':status'] = status
    for name, value in defaults:
        headers.setdefault(name.lower(), value)
    return headers


def response_block(status, pairs, defaults, date):
    """A response head's block (checked as Http2Stream's respond() checks
    it) of a status, the app's header pairs and the server's defaults,
    with a Date header when ``date`` and the app gave none: both servers'
    HTTP/2 heads the longer way."""
    headers = response_headers(status, pairs, defaults)
    if date and 'date' not in headers:
        headers['date'] = utc_date()
    return to_block(headers, RESPONSE_PSEUDO)


def log_access(client, method, path, status):
    """uvicorn's access line, the protocol HTTP/2.0."""
    if access_logger.isEnabledFor(logging.INFO):
        # The HTTP/1.1 line's five arguments (pyuvnet/_internal/app_config.py's
        # AccessFormatter reads them), the version Node's httpVersion.
        access_logger.info('%s - "%s %s HTTP/%s" %d', '%s:%d' % client if client else '',
                           method, path, '2.0', status)
