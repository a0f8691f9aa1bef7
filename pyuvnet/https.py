"""pyuvnet.https: Node's ``https`` module, pyuvnet.http over pyuvnet.tls
(docs/HTTP.md).

``https.Server`` is a tls.Server whose secure connections speak HTTP/1.1
exactly as an http.Server's do (the same events, options and timeouts);
``https.request()``/``get()`` are http's over connections made by
``tls.connect()`` with the request's ``ca``, ``cert``, ``key``,
``rejectUnauthorized``, ``servername``, ... through ``https.Agent``
(default port 443; its pool keys include the TLS options, as Node's).
"""
from . import tls
from ._names import ALIASES, OptionSpec, add_aliases, normalize_options, snake_name
from .http._agent import Agent as _HTTPAgent
from .http._client import ClientRequest as _ClientRequest
from .http._server import HTTP_SERVER_RULES, HTTPServerMixin

__all__ = ['createServer', 'Server', 'request', 'get', 'Agent', 'globalAgent']

SERVER_OPTIONS = OptionSpec(dict(tls.SERVER_OPTIONS.rules, **HTTP_SERVER_RULES))
# The request options that go to tls.connect() (Node's https agent's list).
_TLS_KEYS = ('ca', 'cert', 'key', 'rejectUnauthorized', 'servername', 'ciphers', 'minVersion',
             'maxVersion', 'ALPNProtocols', 'checkServerIdentity', 'session', 'secureContext')


class Server(HTTPServerMixin, tls.Server):
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
        tls.Server.__init__(self, tls_options)
        self._setup_http(opts, requestListener, 'secureConnection')


class Agent(_HTTPAgent):
    """Node's ``https.Agent``: http.Agent over tls.connect()."""

    _default_port = 443
    protocol = 'https:'

    def getName(self, options=None):
        """http.Agent's name and the TLS options that make a connection
        differ (ca, cert, key, servername, rejectUnauthorized, ...)."""
        options = options or {}
        name = super().getName(options)
        for key in _TLS_KEYS:
            name += ':' + ('' if options.get(key) is None else str(options.get(key)))
        return name

    def createConnection(self, options, callback=None):
        """A tls.connect() for a request; servername defaults to its host."""
        tls_options = {key: options[key] for key in _TLS_KEYS if options.get(key) is not None}
        tls_options.update({key: options[key] for key in ('host', 'port', 'localAddress', 'family')
                            if options.get(key) is not None})
        return tls.connect(tls_options, callback) if callback else tls.connect(tls_options)


globalAgent = Agent(keepAlive=True, timeout=5000, scheduling='lifo')
"""The agent of https requests given none (keepAlive on, as Node 20's)."""


class ClientRequest(_ClientRequest):
    """An https request: an http.ClientRequest over https.globalAgent."""

    _default_agent = globalAgent
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


add_aliases(Server, ALIASES['EventEmitter'] + ALIASES['Server'] + ALIASES['tls.Server']
            + ALIASES['http.Server'])
add_aliases(Agent, ALIASES['Agent'])
add_aliases(globals(), ALIASES['https'])
__all__ += [snake_name(name) for name in ALIASES['https']]
