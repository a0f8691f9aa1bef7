"""net.Server: Node's TCP/IPC server.

Events, in Node's order:
  'listening'            after listen() succeeded (never within the call)
  'connection'(socket)   per accepted connection
  'drop'(record)         a connection refused because of maxConnections
  'error'(err)           listen failed (e.g. EADDRINUSE), on the next tick
  'close'                after close(), once every connection has closed
"""
import os

import pyuvnet._uv as _uv
from .. import errors
from .._internal import validate as validate
from ._addresses import isIP
from ._blocklist import BlockList
from ._bound_socket import BoundSocket
from .._internal.options import normalize_options
from .._internal import listening as _listening
from .._internal.listening import SERVER_OPTIONS, backlog_arg, is_fd, normalize_listen_args
from .._internal.records import Record
from .._internal.aliases import twins
from .._internal.handle_refs import HandleRefs
from ..stream import getDefaultHighWaterMark
from ._socket import Socket

DEFAULT_BACKLOG = 511

_EINVAL = errors.uv_code('EINVAL')
_EAFNOSUPPORT = errors.uv_code('EAFNOSUPPORT')
_EADDRNOTAVAIL = errors.uv_code('EADDRNOTAVAIL')
_EAI_NONAME = errors.uv_code('EAI_NONAME')


@twins('getConnections', 'maxConnections', 'dropMaxConnection', 'allowHalfOpen', 'pauseOnConnect',
       'noDelay', 'keepAlive', 'keepAliveInitialDelay', 'highWaterMark', bases=('EventEmitter',))
class Server(_uv.ServerCore, HandleRefs):
    """A TCP or IPC server (Node's ``net.Server``).  What runs per
    connection (counting it, its socket options, 'connection') is the C
    base's, ``_uv.ServerCore``; ``_closing`` (read by pyuvnet.aio) is True
    from close() until 'close'."""

    _drop_max_connection = False
    # Bumped by close(): a host lookup of an earlier listen() is stale.
    _listen_generation = 0

    def __init__(self, options=None, connectionListener=None, **kwargs):
        """A server, not listening yet: ``options`` as a dict or keywords, in
        either spelling (docs/api/server.md); ``connectionListener`` (which
        may come first, alone) is added to 'connection'.  Bad options raise
        ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE at once."""
        if callable(options) and connectionListener is None:
            options, connectionListener = None, options
        self._options = normalize_options(options, kwargs, SERVER_OPTIONS)
        # As Node: a negative highWaterMark is the default, and the default
        # is the one of the server's birth, not of each connection's.
        hwm = self._options.get('highWaterMark')
        if hwm is None or (validate.validate_number(hwm, 'options.highWaterMark') < 0):
            hwm = getDefaultHighWaterMark(False)
        # Kept as the int it checked as (0.0 is 0: the C side takes ints).
        self._options['highWaterMark'] = validate.validate_integer(hwm, 'options.highWaterMark', 0)
        if 'blockList' in self._options and not BlockList.isBlockList(self._options['blockList']):
            raise errors.ERR_INVALID_ARG_TYPE('options.blockList', 'net.BlockList', self._options['blockList'])
        self._refed = True
        self._set_accept_options(Socket, self._options)
        if connectionListener is not None:
            self.on('connection', connectionListener)

    # -- listening ---------------------------------------------------------

    def listen(self, *args, **kwargs):
        """listen([port[, host[, backlog]]][, cb]) | listen(path[, backlog][, cb])
        | listen(options[, cb]) | listen(handle[, backlog][, cb]).
        Returns the server; 'listening' (or 'error') follows, never from
        within this call; ``cb`` is added as a 'listening' listener.  As
        Node: only a string is a host (a number there is the backlog), a
        backlog that is no number >= 0 is the default 511, and options
        without a usable port or path raise ERR_INVALID_ARG_VALUE."""
        options, callback = normalize_listen_args(args, kwargs)
        if self._handle is not None:
            raise errors.ERR_SERVER_ALREADY_LISTEN()
        if callback is not None:
            self.once('listening', callback)
        signal = options.get('signal')
        if signal is not None:
            validate.validate_abort_signal(signal, 'options.signal')
            # As Node: an aborted signal closes the server, on the next tick
            # when it is aborted already.
            if signal.aborted:
                _uv.nextTick(self.close)
            else:
                signal.addEventListener('abort', lambda *_: self.close(), {'once': True})
        # As Node's `backlog || 511`, as an int libuv takes.
        backlog = backlog_arg(options.get('backlog')) or DEFAULT_BACKLOG
        # Node's precedence: a handle or fd, then a port, then a path.
        if 'fd' in options or 'handle' in options:
            self._listen_handle(options, backlog)
            return self
        if 'port' not in options and 'path' in options:
            self._listen_pipe(options, backlog)
            return self
        port = validate.validate_port(options.get('port', 0), 'options.port')
        host = options.get('host')
        if host is None:
            self._listen_any(port, backlog, options)
        elif isIP(host):
            self._bind_and_listen(host, port, backlog, options)
        else:
            generation = self._listen_generation
            _uv.getaddrinfo(host, 0, 0, lambda status, found: self._on_host_resolved(
                status, found, host, port, backlog, options, generation))
        return self

    def _on_host_resolved(self, status, found, host, port, backlog, options, generation):
        if generation != self._listen_generation:
            return      # close() came first (Node's _listeningId)
        if status < 0 or not found:
            _uv.nextTick(self.emit, 'error',
                         errors.dns_exception(status if status < 0 else _EAI_NONAME, 'getaddrinfo', host))
            return
        self._bind_and_listen(found[0][0], port, backlog, options)

    def _listen_any(self, port, backlog, options):
        if _listening.cluster_listen is not None and not options.get('exclusive'):
            _listening.cluster_listen(self, None, port, backlog, options)
            return
        # As Node: all interfaces over IPv6 ('::', which also takes IPv4 on
        # most systems), or 0.0.0.0 where IPv6 is unavailable.
        status = self._open_listener('::', port, backlog, options)
        if status in (_EAFNOSUPPORT, _EADDRNOTAVAIL):
            status = self._open_listener('0.0.0.0', port, backlog, options)
        self._after_listen(status, '::', port)

    def _bind_and_listen(self, host, port, backlog, options):
        if _listening.cluster_listen is not None and not options.get('exclusive'):
            _listening.cluster_listen(self, host, port, backlog, options)
            return
        status = self._open_listener(host, port, backlog, options)
        self._after_listen(status, host, port)

    def _open_listener(self, host, port, backlog, options):
        listener = self._new_listener()
        status = _uv.tcp_bind(listener, host, port, options.get('ipv6Only', False),
                              options.get('reusePort', False))
        return self._listen_on(listener, status, backlog)

    def _listen_on(self, listener, status, backlog):
        """Listen on a bound or opened listener (``status`` says how that
        went); keep it, or close it on failure.  Returns the status."""
        if status == 0:
            status = listener.listen(backlog)
        if status < 0:
            listener.close()
        else:
            self._handle = listener
        return status

    def _new_listener(self):
        listener = _uv.Listener(self)
        if not self._refed:
            listener.unref()
        return listener

    def _after_listen(self, status, host, port):
        if status < 0:
            err = errors.uv_exception_with_host_port(status, 'listen', host, port)
            _uv.nextTick(self.emit, 'error', err)
        else:
            _uv.nextTick(self._emit_listening)

    def _emit_listening(self):
        if self._handle is not None:
            self.emit('listening')

    def _listen_pipe(self, options, backlog):
        path = validate.validate_string(options['path'], 'options.path')
        if path.startswith('\0') and (options.get('readableAll') or options.get('writableAll')):
            raise errors.ERR_INVALID_ARG_VALUE(
                'options', options,
                'can not set readableAll or writableAll to true when path is abstract unix socket')
        listener = self._new_listener()
        status = _uv.pipe_bind(listener, path)
        if status == 0 and (options.get('readableAll') or options.get('writableAll')):
            status = _uv.pipe_chmod(listener, options.get('readableAll', False),
                                    options.get('writableAll', False))
        self._after_listen(self._listen_on(listener, status, backlog), path, -1)

    def _listen_handle(self, options, backlog):
        """listen({'fd': n}) or listen(handle): a bound TCP socket or pipe
        that someone else opened (a parent process, a pyuvnet Server or
        Socket, a BoundSocket, which this adopts, any object with ``fd`` or
        ``fileno()``)."""
        fd, owned = _handle_fd(options['fd'] if 'fd' in options else options['handle'])
        kind = _uv.guess_handle(fd)
        listener = self._new_listener()
        if kind == 'tcp':
            status = _uv.tcp_open(listener, fd)
        elif kind == 'pipe':
            status = _uv.pipe_open(listener, fd)
        else:
            # As Node: an fd of the wrong kind is a listen EINVAL event.
            if owned:
                os.close(fd)
            status = _EINVAL
        self._after_listen(self._listen_on(listener, status, backlog), None, -1)

    # -- connections -------------------------------------------------------

    def _blocked(self, sock):
        """Whether the blockList refuses ``sock``'s peer (a TCP connection);
        Node closes it silently then: no 'connection', no 'drop'."""
        peer = _uv.tcp_peername(sock)
        if peer is not None and self._options['blockList'].check(peer[0], peer[2]):
            sock.destroy()
            return True
        return False

    def _drop(self, sock):
        local = _uv.tcp_sockname(sock) if _uv.handle_type(sock) == 'tcp' else None
        peer = _uv.tcp_peername(sock) if _uv.handle_type(sock) == 'tcp' else None
        sock.destroy()
        if local and peer:
            self.emit('drop', Record(localAddress=local[0], localPort=local[1], localFamily=local[2],
                                     remoteAddress=peer[0], remotePort=peer[1], remoteFamily=peer[2]))
        else:
            # Node has no addresses to give for a pipe.
            self.emit('drop')

    def _on_accept_error(self, status):
        self.emit('error', errors.errno_exception(status, 'accept'))

    # -- closing -----------------------------------------------------------

    def close(self, callback=None):
        """Stop accepting; 'close' follows (on a later tick) once every
        connection is destroyed, before the last one's own 'close' (Node's
        order).  ``callback`` runs on 'close' (with
        ERR_SERVER_NOT_RUNNING when the server was not listening); a
        ``callback`` that is no function is ignored, as Node does.  A
        listen() still looking up its host is cancelled: no 'listening'."""
        self._listen_generation += 1
        if not callable(callback):
            callback = None
        if callback is not None:
            if self._handle is None:
                self.once('close', lambda: callback(errors.ERR_SERVER_NOT_RUNNING()))
            else:
                self.once('close', callback)
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._closing = True
        self._emit_close_if_drained()
        return self

    # -- state ---------------------------------------------------------------

    def address(self):
        """{'port', 'family', 'address'} while listening on TCP, the path
        for a pipe server, None otherwise."""
        if self._handle is None:
            return None
        if not isinstance(self._handle, _uv.Listener):
            return self._handle.address()      # a cluster worker's round-robin stand-in
        if _uv.handle_type(self._handle) == 'pipe':
            return _uv.pipe_sockname(self._handle)
        local = _uv.tcp_sockname(self._handle)
        if local is None:
            return None
        return Record(address=local[0], family=local[2], port=local[1])

    def _connection_option(name, node_field=lambda value: value, option=lambda value: value):
        """Node's plain server field ``name`` (``server.noDelay = True``),
        over the option the C side reads at each accept: set, it holds for
        the connections accepted after.  ``node_field`` makes the field of
        the option, ``option`` the option of a field."""
        def get(self):
            return node_field(self._options.get(name))

        def set(self, value):
            self._options[name] = option(value)
            self._set_accept_options(Socket, self._options)
        return property(get, set)

    allowHalfOpen = _connection_option('allowHalfOpen', lambda value: value or False)
    allowHalfOpen.__doc__ = """Accepted sockets keep their writable side after the peer's end."""
    pauseOnConnect = _connection_option('pauseOnConnect', bool)
    pauseOnConnect.__doc__ = """Accepted sockets read nothing until resumed."""
    noDelay = _connection_option('noDelay', bool)
    noDelay.__doc__ = """Accepted TCP sockets have Nagle's algorithm off."""
    keepAlive = _connection_option('keepAlive', bool)
    keepAlive.__doc__ = """Accepted sockets have TCP keep-alive on."""
    # Node keeps this field in seconds (~~(ms / 1000)), as its handle takes it.
    keepAliveInitialDelay = _connection_option(
        'keepAliveInitialDelay', lambda ms: int((ms or 0) / 1000), lambda seconds: seconds * 1000)
    keepAliveInitialDelay.__doc__ = """The keep-alive's first probe delay, in whole seconds."""
    highWaterMark = _connection_option(
        'highWaterMark', option=lambda value: validate.validate_integer(value, 'highWaterMark', 0))
    highWaterMark.__doc__ = """Accepted sockets' high-water mark (the default when the server was made)."""
    del _connection_option

    @property
    def maxConnections(self):
        """Connections beyond this many are closed at once, with 'drop'."""
        return self._max_connections

    @maxConnections.setter
    def maxConnections(self, value):
        if value is not None:
            validate.validate_number(value, 'maxConnections', 0)
        self._max_connections = value

    @property
    def dropMaxConnection(self):
        """Node's cluster-mode switch (Node 22.12): ``True`` closes connections
        over :attr:`maxConnections` instead of routing them to another worker.

        In a pyuvnet.cluster worker under SCHED_RR, a connection over the
        limit goes back to the primary for another worker unless this is
        true; elsewhere it is always closed with 'drop', as in Node. Any value is kept as given (Node does not check
        it); the default is False.
        """
        return self._drop_max_connection

    @dropMaxConnection.setter
    def dropMaxConnection(self, value):
        self._drop_max_connection = value

    @property
    def listening(self):
        """True from listen()'s success ('listening') until close()."""
        return self._handle is not None

    def getConnections(self, callback):
        """``callback(None, count)`` on the next tick."""
        validate.validate_function(callback, 'callback')
        _uv.nextTick(callback, None, self._connections)
        return self

    def __repr__(self):
        return '<pyuvnet.Server %s>' % (self.address() if self.listening else 'not listening')


def _handle_fd(handle):
    """(fd, owned) to listen on for each of Node's handle forms.  pyuvnet
    objects and Python sockets keep their own fd, so the server gets a
    duplicate it owns; a bare ``fd`` is taken over as Node does."""
    if is_fd(handle):
        return handle, False
    if isinstance(handle, BoundSocket):
        return handle._adopt(), True       # adoption: the server owns the socket now
    if isinstance(handle, Server):
        handle = handle._handle
    if isinstance(handle, (_uv.Listener, _uv.Stream)):
        fd = _uv.handle_fileno(handle)
        if fd >= 0:
            return os.dup(fd), True
    fd = getattr(handle, 'fd', None)
    if is_fd(fd):
        return fd, False
    if callable(getattr(handle, 'fileno', None)):
        return os.dup(handle.fileno()), True
    raise errors.ERR_INVALID_ARG_VALUE('options', handle, 'must have the property "port" or "path"')
