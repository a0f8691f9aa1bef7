"""Http2Server (h2c, prior knowledge), Http2SecureServer (h2 by ALPN, and
HTTP/1.1 for ``allowHTTP1``) and ``connect()``, the client's session."""
from collections.abc import Mapping
from urllib.parse import urlsplit

from .. import tls
from .. import createConnection, setTimeout, clearTimeout
from .._internal.aliases import twins
from .._internal.options import OptionSpec, normalize_options
from .._uv import H2StreamRelay
from .._internal.validate import validate_function, validate_uint32
from .._internal.http_server import ServesHttp1   # allowHTTP1: http's server, as Node's http2
from ..https import SERVER_OPTIONS as _HTTPS_SERVER_OPTIONS
from .. import Server as _NetServer
from .._internal.listening import SERVER_OPTIONS as _NET_SERVER_OPTIONS
from ._compat import serve_compat
from ..errors import ERR_INVALID_ARG_TYPE
from .._internal.http2.errors import ERR_HTTP2_UNSUPPORTED_PROTOCOL
from ._client_session import ClientHttp2Session
from ._server_session import ServerHttp2Session
from ._settings import check_remote_custom_settings, check_settings

__all__ = ['Http2Server', 'Http2SecureServer', 'createServer', 'createSecureServer', 'connect',
           'performServerHandshake']

# The options a session takes (Node's names), beside net's, tls's and http's.
SESSION_RULES = {
    'settings': 'object', 'maxDeflateDynamicTableSize': 'number', 'maxSettings': 'number',
    'maxOutstandingPings': 'number', 'maxReservedRemoteStreams': 'number',
    'maxOutstandingSettings': 'number',
    'maxSendHeaderBlockLength': 'number', 'peerMaxConcurrentStreams': 'number',
    'maxHeaderListPairs': 'number', 'maxSessionMemory': 'number', 'paddingStrategy': 'number',
    'maxSessionInvalidFrames': 'any', 'maxSessionRejectedStreams': 'any',
    'unknownProtocolTimeout': 'number', 'allowHTTP1': 'boolean', 'origins': 'object',
    'Http1IncomingMessage': 'any', 'Http1ServerResponse': 'any',
    'Http2ServerRequest': 'any', 'Http2ServerResponse': 'any', 'createConnection': 'function',
    'protocol': 'string', 'remoteCustomSettings': 'any',
}
# (As Node's createServer(), TLS options are taken and left unused.)
_SERVER_OPTIONS = OptionSpec(dict(_HTTPS_SERVER_OPTIONS.rules, **_NET_SERVER_OPTIONS.rules,
                                  **SESSION_RULES))
_SECURE_SERVER_OPTIONS = OptionSpec(dict(_HTTPS_SERVER_OPTIONS.rules, **SESSION_RULES))
# As Node's connect(), which spreads its options into net.connect(): the
# socket's own (net checks their values).
_NET_CONNECT_RULES = {
    'localAddress': 'string', 'localPort': 'number', 'family': ('number', 'string'),
    'hints': 'number', 'lookup': 'function', 'noDelay': 'any', 'keepAlive': 'any',
    'keepAliveInitialDelay': 'number', 'autoSelectFamily': 'boolean',
    'autoSelectFamilyAttemptTimeout': 'number',
    # As Node 20's: a host or port given here is the one dialled, the
    # authority's still naming the session (:authority, servername).
    'host': 'string', 'port': ('number', 'string'),
    # As Node's: aborting it destroys the socket (an AbortError), and so
    # the session.
    'signal': 'any',
}
_CONNECT_OPTIONS = OptionSpec(dict(tls.TLS_CONNECT_OPTIONS.rules, **SESSION_RULES,
                                   **_NET_CONNECT_RULES))


def _session_part(opts):
    return {k: v for k, v in opts.items() if k in SESSION_RULES}


def _server_session_part(opts):
    # As Node's initializeOptions() (servers only; connect() takes them as
    # given): settings an object (a function is none), the two session
    # limits uint32.
    settings = opts.get('settings')
    if settings is not None and not isinstance(settings, Mapping):
        raise ERR_INVALID_ARG_TYPE('options.settings', 'object', settings)
    for name in ('maxSessionInvalidFrames', 'maxSessionRejectedStreams'):
        if opts.get(name) is not None:
            validate_uint32(opts[name], name)
    check_remote_custom_settings(opts.get('remoteCustomSettings'))
    return _session_part(opts)


class _SessionsOfServer:
    """What both servers do with a connection that speaks HTTP/2: a
    ServerHttp2Session, its 'stream', 'error' and 'priority' events the
    server's 'stream', 'sessionError' and 'priority'; with a 'request' listener, each stream is
    also an Http2ServerRequest and Http2ServerResponse (the compatibility
    API), given to 'request' before 'stream'."""

    def _start_session(self, socket):
        session = ServerHttp2Session(socket, self._session_options, self)

        def on_error(error):
            self.emit('sessionError', error, session)

        def on_priority(*args):
            # As Node's sessionOnPriority(): a PRIORITY for a stream the
            # session does not know (yet) is the server's 'priority'.
            self.emit('priority', *args)

        def on_close():
            # These listeners hold the session: off it at close, so that
            # it is freed then, not at the next gc.
            session.removeListener('error', on_error)
            session.removeListener('priority', on_priority)
            session.removeListener('stream', relay)
        # The session's 'stream' is the server's (after the compatibility
        # API's request, if listened to): in C, a Python frame less per request.
        relay = H2StreamRelay(self, serve_compat)
        session.on('stream', relay)
        session.on('error', on_error)
        session.on('priority', on_priority)
        session.once('close', on_close)
        if self.timeout:
            def on_timeout():
                # As Node's sessionOnTimeout(): the server's 'timeout', or
                # the session destroyed when nobody listens.
                if not session.destroyed and not session.closed \
                        and not self.emit('timeout', session):
                    session.destroy()
            session.setTimeout(self.timeout, on_timeout)
            session.once('close', lambda: session.removeListener('timeout', on_timeout))
        self.emit('session', session)
        return session

    def updateSettings(self, settings):
        """Node's: the SETTINGS each new session sends, merged into the
        server's; checked as Node's (ERR_INVALID_ARG_TYPE, then
        ERR_HTTP2_INVALID_SETTING_VALUE)."""
        if not isinstance(settings, Mapping):
            raise ERR_INVALID_ARG_TYPE('settings', 'object', settings)
        check_settings(settings)
        self._session_options['settings'] = dict(self._session_options.get('settings') or {},
                                                 **settings)

    def setTimeout(self, msecs=0, callback=None):
        """Node's Http2Server.setTimeout(): each new session's idle timeout
        in ms (0: none); when one expires, 'timeout'(session), or without a
        listener the session is destroyed. ``callback`` is added as a
        'timeout' listener."""
        if callback is not None:
            validate_function(callback, 'callback')
        self.timeout = msecs
        if callback is not None:
            self.on('timeout', callback)
        return self


@twins('setTimeout', 'updateSettings')
class Http2Server(_SessionsOfServer, _NetServer):
    """Node's ``Http2Server``: a net.Server whose connections speak h2c
    (HTTP/2 with prior knowledge). Events: 'session', 'stream',
    'sessionError', 'timeout' (setTimeout()), and net.Server's."""

    _timeout = 0

    @property
    def timeout(self):
        """Each new session's idle timeout in ms (0: none), as setTimeout()
        sets it."""
        return self._timeout

    @timeout.setter
    def timeout(self, msecs):
        self._timeout = msecs

    def __init__(self, options=None, onRequestHandler=None, **kwargs):
        if callable(options) and onRequestHandler is None:
            options, onRequestHandler = None, options
        opts = normalize_options(options, kwargs, _SERVER_OPTIONS)
        _NetServer.__init__(self, {k: v for k, v in opts.items()
                                   if k in _NET_SERVER_OPTIONS.rules})
        self._session_options = _server_session_part(opts)
        self.on('connection', self._start_session)
        if onRequestHandler is not None:
            self.on('request', onRequestHandler)


_UNKNOWN_PROTOCOL_ANSWER = (
    b'HTTP/1.0 403 Forbidden\r\nContent-Type: text/plain\r\n\r\n'
    b'Missing ALPN Protocol, expected `h2` to be available.\n'
    b'If this is a HTTP request: The server was not configured with the '
    b'`allowHTTP1` option or a listener for the `unknownProtocol` event.\n')


@twins(bases=('Http2Server',))
class Http2SecureServer(_SessionsOfServer, ServesHttp1, tls.Server):
    """Node's ``Http2SecureServer``: a tls.Server offering h2 by ALPN; with
    ``allowHTTP1`` it also offers http/1.1 and serves those connections as
    https.Server does ('request'). A client choosing neither gets
    'unknownProtocol'; without a listener, Node's 403 text and the end of its
    socket, destroyed after ``unknownProtocolTimeout`` ms if still open."""

    def __init__(self, options=None, onRequestHandler=None, **kwargs):
        # (As Node's: no handler in the options' place, unlike createServer().)
        opts = normalize_options(options, kwargs, _SECURE_SERVER_OPTIONS)
        tls_options = {k: v for k, v in opts.items() if k in tls.SERVER_OPTIONS.rules}
        self._allow_http1 = bool(opts.get('allowHTTP1'))
        self._unknown_protocol_timeout = opts.get('unknownProtocolTimeout', 10000)
        tls_options.setdefault('ALPNProtocols',
                               ['h2', 'http/1.1'] if self._allow_http1 else ['h2'])
        tls.Server.__init__(self, tls_options)
        self._session_options = _server_session_part(opts)
        # As Node's: the HTTP/1.1 fallback's message classes.
        http1 = dict(opts)
        for name in ('IncomingMessage', 'ServerResponse'):
            if opts.get('Http1' + name):
                http1[name] = opts['Http1' + name]
        self._setup_http(http1, onRequestHandler, '_http1Connection')
        self.on('secureConnection', self._on_secure_connection)

    def _on_secure_connection(self, socket):
        protocol = socket.alpnProtocol
        if protocol == 'h2':
            self._start_session(socket)
        elif self._allow_http1:
            self.emit('_http1Connection', socket)
        elif self.listenerCount('unknownProtocol'):
            self.emit('unknownProtocol', socket)
        else:
            # As Node 20's: tell the peer in a form it might understand,
            # and make sure the socket goes.
            timer = setTimeout(lambda: socket.destroyed or socket.destroy(),
                               self._unknown_protocol_timeout)
            timer.unref()
            socket.once('close', lambda *_: clearTimeout(timer))
            socket.end(_UNKNOWN_PROTOCOL_ANSWER)


def createServer(options=None, onRequestHandler=None, **kwargs):
    """An Http2Server (h2c); ``options``: net.Server's and the session's
    (``settings``, ``peerMaxConcurrentStreams``, ``maxHeaderListPairs``, ...)."""
    return Http2Server(options, onRequestHandler, **kwargs)


def createSecureServer(options=None, onRequestHandler=None, **kwargs):
    """An Http2SecureServer; ``options``: tls.createServer()'s (``key``,
    ``cert``, ...), ``allowHTTP1``, and the session's."""
    return Http2SecureServer(options, onRequestHandler, **kwargs)


def connect(authority, options=None, listener=None, **kwargs):
    """A ClientHttp2Session to ``authority`` ('http://host:port' for h2c,
    'https://host:port' for h2 over TLS); ``listener`` on 'connect'.
    ``options``: tls.connect()'s, the session's, ``createConnection``."""
    if callable(options) and listener is None:
        options, listener = None, options
    opts = normalize_options(options, kwargs, _CONNECT_OPTIONS)
    check_remote_custom_settings(opts.get('remoteCustomSettings'))
    if isinstance(authority, dict):
        # As Node's: a URL's parts (protocol, port, hostname or host); the
        # default port follows the authority's own protocol.
        given = authority.get('protocol')
        protocol = given or opts.get('protocol', 'https:')
        port = authority.get('port')
        if port in (None, ''):
            port = 80 if given == 'http:' else 443
        port = int(port)
        host = str(authority.get('hostname') or authority.get('host') or 'localhost')
        if host.startswith('['):
            host = host[1:-1]
    else:
        url = urlsplit(authority if isinstance(authority, str) else str(authority))
        protocol = url.scheme + ':' if url.scheme else opts.get('protocol', 'https:')
        port = url.port or (80 if protocol == 'http:' else 443)
        host = url.hostname or 'localhost'
    if protocol not in ('http:', 'https:'):
        raise ERR_HTTP2_UNSUPPORTED_PROTOCOL(protocol)
    net_opts = {k: v for k, v in opts.items() if k in _NET_CONNECT_RULES}
    net_opts.setdefault('host', host)
    net_opts.setdefault('port', port)
    name = opts.get('servername') or host
    shown = '[%s]' % name if ':' in name else name
    if 'createConnection' in opts:
        socket = opts['createConnection'](authority, opts)
        ready = 'connect'
    elif protocol == 'http:':
        socket = createConnection(net_opts)
        ready = 'connect'
    else:
        tls_opts = {k: v for k, v in opts.items()
                    if k in tls.TLS_CONNECT_OPTIONS.rules and k not in SESSION_RULES}
        tls_opts.update(net_opts, ALPNProtocols=['h2'])
        if not tls_opts.get('servername'):
            # As Node's initializeTLSOptions(): an empty name is the host's.
            tls_opts['servername'] = host
        socket = tls.connect(tls_opts)
        ready = 'secureConnect'
    session = ClientHttp2Session(socket, _session_part(opts), '%s:%s' % (shown, port),
                                 protocol[:-1])
    if listener is not None:
        session.once('connect', listener)
    # As Node's: a socket that is not connecting (a createConnection()
    # stream that is no net.Socket, say) is taken as connected.
    if getattr(socket, 'connecting', False) or ready == 'secureConnect':
        socket.once(ready, session._connected)
    else:
        session._connected()
    return session


def performServerHandshake(socket, options=None, **kwargs):
    """A ServerHttp2Session over ``socket``, a connection accepted some
    other way (a net.Server's socket, or any Duplex); ``options``: the
    session's, as createServer() takes them. A socket that already has a
    session is ERR_HTTP2_SOCKET_BOUND."""
    opts = dict(options or {}, **kwargs)
    return ServerHttp2Session(socket, _server_session_part(opts))
