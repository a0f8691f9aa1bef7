"""pyuvnet.https: Node's ``https`` module, pyuvnet.http over pyuvnet.tls
(docs/HTTP.md).

``https.Server`` is a tls.Server whose secure connections speak HTTP/1.1
exactly as an http.Server's do (the same events, options and timeouts);
``https.request()``/``get()`` are http's over connections made by
``tls.connect()`` with the request's ``ca``, ``cert``, ``key``,
``rejectUnauthorized``, ``servername``, ... through ``https.Agent``
(default port 443; its pool keys include the TLS options, as Node's).
"""
import json

from .. import tls
from .._internal.aliases import module_twins, twins
from .._internal.options import OptionSpec, normalize_options
from .._internal.http_shared import HTTP_SERVER_RULES
from ..http import Agent as _HTTPAgent, ClientRequest as _ClientRequest
from .._internal.http_server import ServesHttp1

__all__ = ['createServer', 'Server', 'request', 'get', 'Agent', 'globalAgent']

SERVER_OPTIONS = OptionSpec(dict(tls.SERVER_OPTIONS.rules, **HTTP_SERVER_RULES))
# The request options that go to tls.connect().
_TLS_KEYS = tuple(key for key in tls.TLS_CONNECT_OPTIONS.rules if key != 'socket')
# The options that make an agent's connections differ, in the order Node's
# https.Agent.getName() joins them; None: the option counts when given (a
# boolean or number), not only when truthy.
_NAME_KEYS = (('ca', 0), ('cert', 0), ('clientCertEngine', 0), ('ciphers', 0), ('key', 0),
              ('pfx', 0), ('rejectUnauthorized', None), ('servername', 0), ('minVersion', 0),
              ('maxVersion', 0), ('secureProtocol', 0), ('crl', 0), ('honorCipherOrder', None),
              ('ecdhCurve', 0), ('dhparam', 0), ('secureOptions', None), ('sessionIdContext', 0),
              ('sigalgs', 0), ('privateKeyIdentifier', 0), ('privateKeyEngine', 0))


def _js_string(value):
    """A value as JavaScript's String() writes it (Node joins the name with
    it): booleans in lower case, lists joined with ',', buffers decoded."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode('utf-8', 'replace')
    if isinstance(value, (list, tuple)):
        return ','.join(_js_string(item) for item in value)
    return str(value)


@twins(bases=('EventEmitter', 'Server', 'tls.Server', 'http.Server'))
class Server(ServesHttp1, tls.Server):
    """Node's ``https.Server``: http.Server's events and options over TLS."""

    def __init__(self, options=None, requestListener=None, **kwargs):
        """``options``: tls.createServer()'s (``key``, ``cert``, ...) and
        http.createServer()'s, a dict or keywords in either spelling;
        ``requestListener`` is added to 'request'."""
        if callable(options) and requestListener is None:
            options, requestListener = None, options
        opts = normalize_options(options, kwargs, SERVER_OPTIONS)
        tls_options = {k: v for k, v in opts.items() if k in tls.SERVER_OPTIONS.rules}
        tls_options.setdefault('noDelay', True)
        # As Node's: an https server offers HTTP/1.1 by ALPN unless told.
        tls_options.setdefault('ALPNProtocols', ['http/1.1'])
        tls.Server.__init__(self, tls_options)
        self._setup_http(opts, requestListener, 'secureConnection')
        self.on('tlsClientError', self._tls_client_error)

    def _tls_client_error(self, error, tls_socket):
        """As Node's https.Server: a failed handshake (a timeout, a bad
        hello) is also a 'clientError'; the socket is destroyed after."""
        self.emit('clientError', error, tls_socket)


@twins(bases=('Agent',))
class Agent(_HTTPAgent):
    """Node's ``https.Agent``: http.Agent over tls.connect()."""

    _default_port = 443
    _protocol = 'https:'
    _options_spec = OptionSpec(dict(_HTTPAgent._options_spec.rules, **tls.TLS_CONNECT_OPTIONS.rules))

    def getName(self, options=None):
        """http.Agent's name, then the TLS options that make a connection
        differ, each after a ':' (ca, cert, ..., rejectUnauthorized, a
        servername other than the host, ...), as Node's."""
        options = options or {}
        name = super().getName(options)
        for key, when_given in _NAME_KEYS:
            value = options.get(key)
            if key == 'servername' and value == options.get('host'):
                value = None
            shown = value is not None if when_given is None else bool(value)
            name += ':'
            if shown:
                name += json.dumps(value) if key == 'sigalgs' else _js_string(value)
        return name

    def createConnection(self, port=None, host=None, options=None, callback=None):
        """A tls.connect() for a request: ``(options[, callback])`` or
        Node's ``(port[, host][, options][, callback])``; ``options`` is not
        changed.  A ``servername`` given (the agent's addRequest() sets one
        from the Host header) is sent as SNI and checked."""
        if isinstance(port, dict):
            options, callback = port, host if callable(host) else callback
        else:
            rest = (host, options, callback)
            callback = next((arg for arg in rest if callable(arg)), None)
            options = dict(next((arg for arg in rest if isinstance(arg, dict)), None) or {})
            if port is not None:
                options['port'] = port
            if isinstance(host, str):
                options['host'] = host
        tls_options = {key: options[key] for key in _TLS_KEYS if options.get(key) is not None}
        if not tls_options.get('servername'):
            tls_options.pop('servername', None)
        tls_options.update({key: options[key] for key in ('host', 'port', 'localAddress', 'family',
                                                          'timeout', 'highWaterMark')
                            if options.get(key) is not None})
        if options.get('socketPath'):
            tls_options['path'] = options['socketPath']
        return tls.connect(tls_options, callback) if callback else tls.connect(tls_options)


globalAgent = Agent(keepAlive=True, timeout=5000, scheduling='lifo')
"""The agent of https requests given none (keepAlive on, as Node 20's)."""


class ClientRequest(_ClientRequest):
    """An https request: an http.ClientRequest over https.globalAgent."""

    @staticmethod
    def _global_agent():
        return globalAgent      # looked up at each request: it may be replaced
    _default_protocol = 'https:'


def createServer(options=None, requestListener=None, **kwargs):
    """A new https.Server; ``requestListener`` is added to 'request'."""
    return Server(options, requestListener, **kwargs)


def request(url=None, options=None, callback=None, **kwargs):
    """https.request(url[, options][, callback]) | (options[, callback])."""
    return ClientRequest(url, options, callback, **kwargs)


def get(url=None, options=None, callback=None, **kwargs):
    """As request(), ended at once."""
    req = ClientRequest(url, options, callback, **kwargs)
    req.end()
    return req


module_twins(globals(), 'https', ('createServer', 'globalAgent'), exported=True)
