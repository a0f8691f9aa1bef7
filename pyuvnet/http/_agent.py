"""http.Agent: the connections a client's requests go over, kept alive and
reused per host (Node's _http_agent.js).

A request asks its agent for a socket (``addRequest``): a free one for the
same name (host:port:localAddress:family) is reused, else a new connection
is made while the name has fewer than ``maxSockets`` (and the agent fewer
than ``maxTotalSockets``), else the request waits in ``requests``.  When a
response has ended on a keep-alive connection, the socket goes to the next
waiting request, or (``keepAlive``) into ``freeSockets``, unref'd, with
the agent's ``timeout`` as its idle timeout; otherwise it is destroyed.
As Node merges the agent's options into each connection's, ``timeout`` is
also every socket's idle timeout from its creation (a request's own
replaces it while the request runs), and ``keepAlive`` connections have
SO_KEEPALIVE with ``keepAliveMsecs`` from the connect (http; https sockets
from keepSocketAlive()).

Events: 'free'(socket, options) when a socket is handed back.
"""
import math
import re

from pyuvnet import createConnection as _create_connection, isIP
from pyuvnet._internal import validate as validate
from pyuvnet._internal.aliases import twins
from pyuvnet._internal.options import OptionSpec, normalize_options
from pyuvnet.errors import ERR_INVALID_ARG_VALUE
from pyuvnet.events import EventEmitter

from ._common import field

__all__ = ['Agent', 'globalAgent', 'AGENT_OPTIONS']

AGENT_OPTIONS = OptionSpec({
    'keepAlive': 'boolean', 'keepAliveMsecs': 'number', 'maxSockets': 'number',
    'maxFreeSockets': 'number', 'maxTotalSockets': 'number', 'scheduling': 'string',
    'timeout': 'number', 'noDelay': 'boolean', 'path': 'any', 'defaultPort': 'number',
    'protocol': 'string',
})
# A server's Keep-Alive header: 'timeout=5[, max=...]'.
_KEEP_ALIVE_HINT = re.compile(r'timeout=(\d+)')
# The connection options an agent may also be given (Node merges them into
# every request's, over the request's own).
CONNECTION_RULES = {
    'host': 'string', 'hostname': 'string', 'port': ('number', 'string'),
    'localAddress': 'string', 'localPort': 'number', 'family': 'number', 'lookup': 'function',
    'socketPath': 'string', 'servername': 'string', 'keepAliveInitialDelay': 'number',
}


@twins('keepAlive', 'keepAliveMsecs', 'maxSockets', 'maxFreeSockets', 'maxTotalSockets',
       'freeSockets', 'getName', 'createConnection', 'addRequest', 'reuseSocket', 'keepSocketAlive',
       'defaultPort', bases=('EventEmitter',))
class Agent(EventEmitter):
    """Node's ``http.Agent``."""

    _default_port = 80
    _protocol = 'http:'
    protocol = field('_protocol', "The protocol of this agent's requests, 'http:' (Node's).")
    _options_spec = OptionSpec(dict(AGENT_OPTIONS.rules, **CONNECTION_RULES))

    def __init__(self, options=None, **kwargs):
        """``options``: keepAlive (False), keepAliveMsecs (1000), maxSockets,
        maxTotalSockets (unlimited), maxFreeSockets (256), scheduling
        ('lifo' or 'fifo'), timeout (ms, for the sockets), as a dict or
        keywords in either spelling; the rest go to createConnection."""
        opts = normalize_options(options, kwargs, self._options_spec)
        self.options = dict(opts, path=None)
        self.options.setdefault('noDelay', True)
        # The connection options given to the agent win over a request's,
        # and so do those of its own that a connection acts on (Node merges
        # all of them): noDelay, timeout (each socket's idle timeout from
        # its creation) and keepAlive (SO_KEEPALIVE from the connect).
        self._connection_options = {key: value for key, value in self.options.items()
                                    if key not in AGENT_OPTIONS.rules
                                    or key in ('noDelay', 'timeout', 'keepAlive')}
        self._keep_alive = opts.get('keepAlive', False)
        self._keep_alive_msecs = opts.get('keepAliveMsecs', 1000)
        # As Node's: 0 (or none) is no limit; noDelay is on unless told.
        self._max_sockets = opts.get('maxSockets') or math.inf
        self._max_free_sockets = opts.get('maxFreeSockets', 256)
        self._max_total_sockets = opts.get('maxTotalSockets', math.inf)
        if 'maxTotalSockets' in opts:      # as Node's: a number >= 1
            validate.validate_number(self._max_total_sockets, 'maxTotalSockets', 1)
        self._scheduling = opts.get('scheduling', 'lifo')
        if self._scheduling not in ('fifo', 'lifo'):
            raise ERR_INVALID_ARG_VALUE('scheduling', self._scheduling, "must be 'fifo' or 'lifo'")
        if 'defaultPort' in opts:
            self._default_port = opts['defaultPort']
        self._total = 0
        self.sockets = {}         # name -> [socket in use]
        self._free = {}           # name -> [idle socket]
        self.requests = {}        # name -> [request waiting for a socket]

    defaultPort = field('_default_port', 'The port of requests that name none (80).')
    freeSockets = field('_free', 'name -> the idle sockets kept for it.')
    keepAlive = field('_keep_alive', 'Whether idle sockets are kept for later requests.')
    keepAliveMsecs = field('_keep_alive_msecs', 'TCP keep-alive initial delay of kept sockets.')
    maxSockets = field('_max_sockets', 'Sockets per name (unlimited: math.inf).')
    maxFreeSockets = field('_max_free_sockets', 'Idle sockets kept per name (256).')
    maxTotalSockets = field('_max_total_sockets', 'Sockets of the whole agent (math.inf).')
    scheduling = field('_scheduling', "Which free socket is reused: 'lifo' or 'fifo'.")

    def getName(self, options=None):
        """'host:port:localAddress[:family][:socketPath]', the key sockets
        are pooled by (Node's)."""
        options = options or {}
        name = '%s:%s:%s' % (options.get('host') or 'localhost', options.get('port') or '',
                             options.get('localAddress') or '')
        if options.get('family') in (4, 6):
            name += ':%d' % options['family']
        if options.get('socketPath'):
            name += ':' + options['socketPath']
        return name

    def createConnection(self, options, callback=None):
        """A new connection for a request (net.createConnection)."""
        net_options = {key: options[key] for key in (
            'host', 'port', 'localAddress', 'localPort', 'family', 'lookup',
            'timeout', 'noDelay', 'keepAlive', 'keepAliveInitialDelay', 'autoSelectFamily',
            'highWaterMark',
        ) if options.get(key) is not None}
        if options.get('socketPath'):
            net_options = {'path': options['socketPath']}
            if options.get('highWaterMark') is not None:
                net_options['highWaterMark'] = options['highWaterMark']
        return _create_connection(net_options, callback) if callback else \
            _create_connection(net_options)

    def addRequest(self, req, options):
        """Give ``req`` a socket now, or when one comes free.  The agent's
        connection options are merged over ``options``; a ``servername``
        not given is the Host header's name, or the host's ('' for an IP
        address), as in Node."""
        options = dict(options, **self._connection_options)
        if not options.get('servername') and options.get('servername') != '':
            options['servername'] = _server_name(options, req)
        name = self.getName(options)
        free = self._free.get(name)
        if free:
            socket = free.pop() if self._scheduling == 'lifo' else free.pop(0)
            if not free:
                del self._free[name]
            self.sockets.setdefault(name, []).append(socket)
            self.reuseSocket(socket, req)
            req._on_socket(socket, reused=True)
        elif (len(self.sockets.get(name, ())) < self._max_sockets
              and self._total < self._max_total_sockets):
            self._new_socket(req, options, name)
        else:
            self.requests.setdefault(name, []).append((req, options))

    def _new_socket(self, req, options, name):
        if self._keep_alive:
            # As Node's createSocket: keepAliveMsecs is the connection's
            # keep-alive delay (net.createConnection's; tls.connect takes none).
            options = dict(options, keepAliveInitialDelay=self._keep_alive_msecs)
        socket = self.createConnection(options)
        self._total += 1
        self.sockets.setdefault(name, []).append(socket)
        socket.on('close', lambda had_error: self._socket_closed(socket, name))
        socket.on('free', lambda: self._socket_free(socket, name, options))
        socket.on('timeout', lambda: self._socket_timeout(socket, name))
        req._on_socket(socket, reused=False)

    def reuseSocket(self, socket, req):
        """A kept socket goes back to work: ref'd (its timeout stays the
        agent's, unless the request has its own)."""
        socket.ref()

    def keepSocketAlive(self, socket):
        """A socket put aside: SO_KEEPALIVE with ``keepAliveMsecs``, unref'd
        (it does not keep the loop running), with the agent's timeout (0
        when none), shortened to a second less than the server's
        ``Keep-Alive: timeout=N`` hint, as Node's.  Returns True to keep
        it, False when that hint leaves no time (N <= 1)."""
        socket.setKeepAlive(True, self._keep_alive_msecs)
        socket.unref()
        timeout = self.options.get('timeout') or 0
        req = getattr(socket, '_httpMessage', None)
        hint = _KEEP_ALIVE_HINT.match(req.res.headers.get('keep-alive') or '') \
            if req is not None and req.res is not None else None
        if hint:
            server_timeout = int(hint.group(1)) * 1000 - 1000
            if server_timeout <= 0:
                return False
            timeout = min(timeout, server_timeout) if timeout else timeout
        if (socket.timeout or 0) != timeout:
            socket.setTimeout(timeout)
        return True

    def _socket_free(self, socket, name, options):
        self.emit('free', socket, options)
        if socket.destroyed or socket.writableEnded or socket in self._free.get(name, ()):
            # Node: a socket that cannot be written goes to no request (its
            # 'close' takes it out of the pools), and a socket is never
            # held twice.
            socket.destroy()
            return
        in_use = self.sockets.get(name, [])
        waiting = self.requests.get(name)
        if waiting:
            req, _ = waiting.pop(0)
            if not waiting:
                del self.requests[name]
            req._on_socket(socket, reused=True)
            return
        if socket in in_use:
            in_use.remove(socket)
            if not in_use:
                del self.sockets[name]
        free = self._free.get(name, [])
        # As Node's: a socket no request had taken (its request destroyed
        # before the tick that gives it the socket) is not kept.
        if (self._keep_alive and len(free) < self._max_free_sockets
                and getattr(socket, '_httpMessage', None) is not None
                and not socket.destroyed and self.keepSocketAlive(socket)):
            self._free.setdefault(name, []).append(socket)
        else:
            socket.destroy()
        socket._httpMessage = None

    def _socket_timeout(self, socket, name):
        """A kept socket idle for the agent's timeout is destroyed (Node)."""
        if socket in self._free.get(name, ()):
            socket.destroy()

    def _socket_closed(self, socket, name):
        self._total -= 1
        for pool in (self.sockets, self._free):
            sockets = pool.get(name)
            if sockets and socket in sockets:
                sockets.remove(socket)
                if not sockets:
                    del pool[name]
        waiting = self.requests.get(name)
        if waiting and len(self.sockets.get(name, ())) < self._max_sockets:
            req, options = waiting.pop(0)
            if not waiting:
                del self.requests[name]
            self._new_socket(req, options, name)

    def destroy(self):
        """Destroy every socket, in use or free."""
        for pool in (self.sockets, self._free):
            for sockets in list(pool.values()):
                for socket in list(sockets):
                    socket.destroy()


def _server_name(options, req):
    """Node's calculateServerName: the name of the Host header (without
    its port or brackets), else ``options['host']``; '' for an IP address,
    which is never sent as SNI."""
    name = options.get('host') or ''
    host_header = req.getHeader('host')
    if host_header:
        host_header = str(host_header)
        if host_header.startswith('['):
            end = host_header.find(']')
            name = host_header[1:end] if end != -1 else host_header
        else:
            name = host_header.split(':', 1)[0]
    return '' if isIP(name) else name



globalAgent = Agent(keepAlive=True, timeout=5000, scheduling='lifo')
"""The agent of requests given none: keepAlive on, 5 s idle timeout (Node 20's)."""
