"""http.Server: Node's HTTP/1.1 server over a net.Server; what it serves
with (the connections' HTTP state, the timeouts) is pyuvnet/_internal/http_server.py,
which https and http2 serve HTTP/1.1 with too."""
from pyuvnet._internal.aliases import twins
from pyuvnet._internal.options import normalize_options
from pyuvnet._internal.http_shared import HTTP_SERVER_OPTIONS
from pyuvnet._internal.http_server import ServesHttp1
from pyuvnet import Server as _NetServer
from pyuvnet._internal.listening import SERVER_OPTIONS as _NET_SERVER_OPTIONS

__all__ = ['Server']


@twins('closeAllConnections', 'closeIdleConnections', 'setTimeout', 'headersTimeout',
       'requestTimeout', 'keepAliveTimeout', 'maxHeadersCount', 'maxRequestsPerSocket',
       row='http.Server', bases=('EventEmitter', 'Server'))
class Server(ServesHttp1, _NetServer):
    """Node's ``http.Server``: a net.Server whose connections speak HTTP/1.1."""

    def __init__(self, options=None, requestListener=None, **kwargs):
        """``options``: net.Server's and http's (``requestTimeout`` 300000,
        ``headersTimeout`` 60000, ``keepAliveTimeout`` 5000,
        ``connectionsCheckingInterval`` 30000, ``maxHeaderSize`` 16384,
        ``requireHostHeader`` True, ``noDelay`` True, ``insecureHTTPParser``
        False: llhttp's lenient flags, all of them, as Node's), a dict or
        keywords in either spelling; ``requestListener`` (which may come
        first, alone) is added to 'request'."""
        if callable(options) and requestListener is None:
            options, requestListener = None, options
        opts = normalize_options(options, kwargs, HTTP_SERVER_OPTIONS)
        net_options = {k: v for k, v in opts.items() if k in _NET_SERVER_OPTIONS.rules}
        net_options.setdefault('noDelay', True)
        _NetServer.__init__(self, net_options)
        self._setup_http(opts, requestListener, 'connection')


