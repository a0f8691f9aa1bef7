"""net.Socket: Node's TCP/IPC socket, a Duplex stream and EventEmitter.

The byte paths (reading, write gathering, the buffered amounts) and the
sequence every connection goes through ('end', 'finish', 'close', with the
state flags they set) live in the C base class ``pyuvnet._uv.Stream``; this
class is the rest of Node's state machine on top of it (connecting, end(),
destroy(), options, addresses), which Stream calls where Node does.

Events, in Node's order:
  'lookup'(err, address, family, host)  after a host name was resolved
  'connectionAttempt'(ip, port, family), 'connectionAttemptFailed'(ip, port,
  family, error)                        around each address tried
  'connect', then 'ready'               once connected
  'data'(chunk)                         bytes, or str after setEncoding()
  'drain'                               the write buffer emptied after
                                        write() had returned False
  'end'                                 the peer ended its side (after the
                                        last 'data')
  'finish'                              our end() completed (FIN sent)
  'timeout'                             idle for the setTimeout() period
  'error'(err)                          then 'close'(True)
  'close'(hadError)                     exactly once, last
"""

import pyuvnet._uv as _uv
from .. import errors
from . import _connecting as connecting
from ._onread import onread_reader
from .._internal import encodings as encodings
from . import _tcp_options as tcp_options
from .._internal.streams.native import NativeDuplex, HIGH_WATER_MARK_OPTIONS, high_water_marks
from ..stream import Readable, addAbortSignal
from ._idle_timeout import IdleTimeout
from .._internal.timer_duration import set_idle_timeout
from .._internal.options import OptionSpec, normalize_options
from ._blocklist import BlockList
from ._bound_socket import BoundSocket
from .._internal.records import Record
from .._internal.aliases import twins
from .._internal import validate as validate

_CONSTRUCTOR_OPTIONS = OptionSpec(connecting.SOCKET_RULES)


@twins('setNoDelay', 'setKeepAlive', 'setTimeout', 'setEncoding', 'bytesRead', 'bytesWritten',
       'bufferSize', 'remoteAddress', 'remotePort', 'remoteFamily', 'localAddress', 'localPort',
       'localFamily', 'readyState', 'destroySoon', 'resetAndDestroy',
       'autoSelectFamilyAttemptedAddresses', 'writableLength', 'writableHighWaterMark',
       'readableLength', 'writableEnded', 'writableFinished', 'readableEnded', 'readableFlowing',
       'readableHighWaterMark', 'writableCorked', 'writableNeedDrain', 'isPaused', 'hasRef',
       'allowHalfOpen', 'setTypeOfService', 'getTypeOfService', 'setDefaultEncoding',
       'readableAborted', 'readableDidRead', 'readableEncoding', 'readableObjectMode',
       'writableObjectMode', 'writableBuffer', 'writableErrored', 'writableAborted',
       bases=('EventEmitter',))
class Socket(_uv.Stream, NativeDuplex):
    """A TCP or IPC socket (Node's ``net.Socket``), a ``stream.Duplex``
    whose byte paths are its C base's."""

    def __init__(self, options=None, **kwargs):
        """A socket, not connected yet (or wrapping ``fd``): ``options`` as a
        dict or keywords, in either spelling (docs/api/socket.md).  Bad
        options raise ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE at once."""
        opts = normalize_options(options, kwargs, _CONSTRUCTOR_OPTIONS)
        self._init_state(opts.get('allowHalfOpen', False))
        if not opts.keys().isdisjoint(HIGH_WATER_MARK_OPTIONS):
            self._set_high_water_marks(*high_water_marks(opts))
        self._apply_socket_options(opts)
        if 'blockList' in opts:
            if not BlockList.isBlockList(opts['blockList']):
                raise errors.ERR_INVALID_ARG_TYPE('options.blockList', 'net.BlockList', opts['blockList'])
            self._block_list = opts['blockList']
        if 'onread' in opts:
            self._set_onread(opts['onread'])
        if 'fd' in opts:
            self._open_fd(opts['fd'], opts.get('readable', True), opts.get('writable', True))
        if 'handle' in opts:
            # A BoundSocket: connect() goes out from where it is bound.
            self._bound_handle, self._bound_path = BoundSocket._adopt_into(opts['handle'], self)
        if 'signal' in opts:
            self._watch_signal(opts['signal'])

    # Per-connection state.  The flags every connection goes through
    # (_destroyed, _had_error, _allow_half_open, _readable_ended,
    # _reset_on_destroy; end() called is ``ending``, 'finish' emitted
    # ``writableFinished``) and what
    # destroy() looks at (_idle, _connect_plan) are C fields of Stream; the
    # rest default on the class, so that an instance's dict holds only what
    # differs: a connection that is accepted, echoed and closed needs none.
    _peer = None
    _sock = None
    _no_delay = False
    _keep_alive = None          # (enable, idle s, interval s, count) for tcp_keepalive
    _type_of_service = None
    _block_list = None
    _pipe_path = None
    _bound_handle = None        # 'tcp' or 'pipe': an adopted BoundSocket's handle
    _bound_path = None          # an adopted pipe BoundSocket's path: the local address
    _errored = None             # destroy()'s error (Node's errored; Stream sets it)
    _STATE = ('_peer', '_sock', '_no_delay', '_keep_alive', '_type_of_service',
              '_block_list', '_pipe_path', '_held_pipes', '_bound_handle', '_bound_path',
              '_readable_encoding', '_errored', '_on_finished')

    def _init_state(self, allow_half_open):
        """Back to a new socket's state (the defaults above)."""
        instance = self.__dict__
        for name in self._STATE:
            instance.pop(name, None)
        self._server = self._idle = self._connect_plan = None
        self._destroyed = self._had_error = self._reset_on_destroy = False
        self._readable_ended = False
        self._allow_half_open = bool(allow_half_open)

    def _apply_socket_options(self, options):
        """noDelay, keepAlive (taken for their truth, as Node's Boolean()),
        keepAliveInitialDelay and typeOfService, kept for connect."""
        if 'noDelay' in options:
            self._no_delay = bool(options['noDelay'])
        if options.get('keepAlive'):
            self.setKeepAlive(True, options.get('keepAliveInitialDelay', 0))
        if 'typeOfService' in options:
            self.setTypeOfService(options['typeOfService'])

    @property
    def server(self):
        """The Server that accepted this connection; None for a client."""
        return self._server

    @server.setter
    def server(self, value):
        self._server = value

    @property
    def allowHalfOpen(self):
        """Whether the socket stays writable after the peer's FIN."""
        return self._allow_half_open

    @allowHalfOpen.setter
    def allowHalfOpen(self, value):
        self._allow_half_open = bool(value)

    # -- connecting --------------------------------------------------------

    def connect(self, *args, **kwargs):
        """connect(options[, connectListener]) | connect(path[, listener])
        | connect(port[, host][, listener]); returns the socket.  A bad
        argument raises Node's error here; everything else comes after
        this call returned, in Node's order: for a host name 'lookup' (per
        address), then per address tried 'connectionAttempt' and, when it
        fails or times out, 'connectionAttemptFailed' /
        'connectionAttemptTimeout'; then 'connect' and 'ready', or 'error'
        and 'close'(True).  A non-string host is ignored, as Node does.
        The lookup and the attempts are pyuvnet.net._connecting's."""
        if self._destroyed and self._handle_closing():
            # Reconnecting from 'error' (say): once the old handle's close
            # has run ('close' emitted), start over.
            self._reconnect = (args, kwargs)
            return self
        options, listener = connecting.normalize_connect_args(args, kwargs)
        if self._destroyed:
            # Node lets a destroyed socket connect again, as a new one.
            self._reset_stream()
            self._init_state(self.allowHalfOpen)
            if self.listenerCount('data'):
                self.resume()
        if self._bound_handle and self._bound_handle != ('pipe' if 'path' in options else 'tcp'):
            # The adopted handle can connect only where its kind goes.
            raise errors.ERR_INVALID_ARG_VALUE(
                'options', options, 'must connect as the adopted BoundSocket (%s) was bound'
                % self._bound_handle)
        if listener is not None:
            self.once('connect', listener)
        if options.get('timeout') is not None:
            self.setTimeout(options['timeout'])
        self._apply_socket_options(options)
        if 'onread' in options:
            self._set_onread(options['onread'])
        self.connecting = True
        if 'path' in options:
            self._connect_pipe(options['path'])
        else:
            self._connect_tcp(options)
        return self

    def _connect_tcp(self, options):
        self._connect_plan = connecting.plan_tcp_connect(self, options)
        # Arguments were checked above; the rest, even the first event,
        # comes after connect() has returned.
        _uv.nextTick(self._connect_plan.start)

    def _on_connect(self, status):
        if self._destroyed:
            return
        if status < 0:
            if self._connect_plan is None:
                self.destroy(errors.exception_with_host_port(status, 'connect', self._pipe_path))
            else:
                self._connect_plan.attempt_failed(status)
            return
        if self._connect_plan is not None:
            self._connect_plan.connected()
        self._peer = None
        self._sock = None
        if _uv.handle_type(self) == 'tcp':
            if self._no_delay:
                _uv.tcp_nodelay(self, True)
            if self._keep_alive is not None:
                _uv.tcp_keepalive(self, *self._keep_alive)
            if self._type_of_service is not None:
                _uv.tcp_set_tos(self, self._type_of_service)
        self._flush_soon()
        state = self._readableState
        if state.reading if state is not None else not self.isPaused():
            # As Node: a socket paused before it connected does not read,
            # so with nothing to write it keeps no loop alive; with the
            # Readable API taken, it reads once its state asked to.
            self._read_start()
        self.emit('connect')
        self.emit('ready')

    def _connect_pipe(self, path):
        validate.validate_string(path, 'options.path')
        self._pipe_path = path
        self._connect_plan = None
        status = _uv.pipe_connect(self, path)
        if status == 1:
            _uv.nextTick(self._on_connect, 0)
        elif status < 0:
            self.destroy(errors.exception_with_host_port(status, 'connect', path))

    def _open_fd(self, fd, readable, writable):
        """Wrap an open TCP socket or pipe fd (Node's ``Socket({fd})``)."""
        validate.validate_int32(fd, 'fd', 0)
        kind = _uv.guess_handle(fd)
        if kind == 'tcp':
            status = _uv.tcp_open(self, fd)
        elif kind == 'pipe':
            status = _uv.pipe_open(self, fd)
        else:
            raise errors.ERR_INVALID_FD_TYPE(kind.upper())
        if status < 0:
            raise errors.errno_exception(status, 'open')
        self._connected = True
        self.readable_side = readable
        if not writable:
            # A Duplex made unwritable starts out finished.
            self._no_writes()
        self._read_start()

    def _watch_signal(self, signal):
        """Node's signal option: aborting destroys the socket with an
        AbortError (on the next tick when the signal is aborted already)."""
        validate.validate_abort_signal(signal, 'options.signal')
        if signal.aborted:
            _uv.nextTick(lambda: self.destroy(errors.AbortError(cause=signal.reason)))
        else:
            # The listener leaves the signal when the socket is finished
            # (Node 20's is held weakly), so a long-lived signal keeps no
            # closed socket alive.
            addAbortSignal(signal, self)

    # -- reading -----------------------------------------------------------

    def _on_stream_error(self, err):
        self.destroy(err)

    def setEncoding(self, encoding=None):
        """Deliver 'data' (and read()) as str, decoded across chunk
        boundaries."""
        if self._readableState is not None:
            return Readable.setEncoding(self, encoding)
        self._set_decoder(encodings.decoder(encoding))
        self._readable_encoding = encodings.normalize(encoding)
        return self

    def _set_onread(self, onread):
        """Node's static-buffer read mode (see net/_onread.py): every
        chunk goes to ``onread['callback']``, never to 'data'."""
        self._set_read_consumer(onread_reader(self, onread))

    # -- closing -----------------------------------------------------------

    def resetAndDestroy(self):
        """Close with a TCP RST (the peer gets ECONNRESET); while connecting,
        once connected.  A socket with no connection (never connected, or
        destroyed) is destroyed with ERR_SOCKET_CLOSED: 'error', then
        'close'.  A pipe raises ERR_INVALID_HANDLE_TYPE."""
        kind = _uv.handle_type(self)
        if kind is not None and kind != 'tcp':
            raise errors.ERR_INVALID_HANDLE_TYPE()
        if kind is None and not self.connecting:
            return self.destroy(errors.ERR_SOCKET_CLOSED())
        self._reset_on_destroy = True
        if self.connecting:
            self.once('connect', self.destroy)
        else:
            self.destroy()
        return self

    # -- timeouts ----------------------------------------------------------

    def setTimeout(self, timeout, callback=None):
        """Emit 'timeout' after ``timeout`` ms without reads or writes
        (0 disables); ``callback`` is added as a 'timeout' listener (0
        removes it).  The socket is not closed: that is the listener's
        call.  On a destroyed socket nothing happens (as Node).  A timeout
        above 2**31-1 ms runs as 2**31-1 ms, with a TimeoutOverflowWarning
        (as Node).  Returns the socket."""
        if self._destroyed:
            return self
        return set_idle_timeout(self, timeout, callback, self._arm_idle)

    def _arm_idle(self, timeout):
        if self._idle is None:
            self._idle = IdleTimeout(self)
        self._idle.set(timeout)

    @property
    def timeout(self):
        """The idle timeout in ms as setTimeout() was given it, or None."""
        return None if self._idle is None else self._idle.ms

    # -- options -----------------------------------------------------------

    def setNoDelay(self, noDelay=True):
        """Disable (True) or enable Nagle's algorithm; applied at connect
        when called before."""
        self._no_delay = bool(noDelay)
        if self._connected and _uv.handle_type(self) == 'tcp':
            _uv.tcp_nodelay(self, self._no_delay)
        return self

    def setKeepAlive(self, enable=False, initialDelay=0, interval=1000, count=10):
        """setKeepAlive([enable][, initialDelay][, interval][, count]) or
        setKeepAlive({'enable', 'initialDelay', 'interval', 'count'}), as
        newest Node.  Turns TCP keep-alive on or off (``enable`` is taken
        for its truth, as Node's Boolean()); when on, the first probe goes
        after ``initialDelay`` ms idle, the next every ``interval`` ms, and
        the connection drops after ``count`` unanswered probes.  The delays
        count in whole seconds: a value under 1000 ms (negative ones
        included) leaves the system's setting alone, with a
        KeepAliveWarning when it was positive.  Applied at connect when
        called before; returns the socket."""
        self._keep_alive = tcp_options.keep_alive_settings(enable, initialDelay, interval, count)
        if self._connected and _uv.handle_type(self) == 'tcp':
            # As Node, what the system refuses (say a delay above its
            # limit) is no error of the socket.
            _uv.tcp_keepalive(self, *self._keep_alive)
        return self

    def setTypeOfService(self, tos):
        """Set the TOS byte of IPv4 packets (the Traffic Class of IPv6
        ones), 0-255; kept and applied at connect when called before.
        Returns the socket."""
        tos = tcp_options.type_of_service(tos)
        self._type_of_service = tos
        if self._connected and _uv.handle_type(self) == 'tcp':
            status = _uv.tcp_set_tos(self, tos)
            if status < 0:
                raise errors.errno_exception(status, 'setTypeOfService')
        return self

    def getTypeOfService(self):
        """The TOS byte (or Traffic Class): what the connected socket has,
        else the value setTypeOfService() kept (0 when none)."""
        if self._connected and _uv.handle_type(self) == 'tcp':
            tos = _uv.tcp_get_tos(self)
            if tos >= 0:
                return tos
        return self._type_of_service or 0

    # -- addresses and state ----------------------------------------------

    def _peer_tuple(self):
        if self._peer is None and self._connected:
            self._peer = _uv.tcp_peername(self) if _uv.handle_type(self) == 'tcp' else None
        return self._peer

    def _sock_tuple(self):
        if self._sock is None and self._connected:
            self._sock = _uv.tcp_sockname(self) if _uv.handle_type(self) == 'tcp' else None
        elif self._sock is None and self._bound_handle == 'tcp':
            return _uv.tcp_sockname(self)     # bound, not connected yet: not kept
        return self._sock

    def address(self):
        """{'address', 'family', 'port'} of the local end ({} for pipes)."""
        local = self._sock_tuple()
        if local is None:
            return Record()
        return Record(address=local[0], family=local[2], port=local[1])

    remoteAddress = property(lambda self: _field(self._peer_tuple(), 0),
                             doc="The peer's IP address once connected; None before, and for a pipe.")
    remotePort = property(lambda self: _field(self._peer_tuple(), 1),
                          doc="The peer's port once connected; None before, and for a pipe.")
    remoteFamily = property(lambda self: _field(self._peer_tuple(), 2),
                            doc="'IPv4' or 'IPv6' once connected; None before, and for a pipe.")
    # A pipe has no local address, but one bound to a source path (an
    # adopted BoundSocket) has that path, as in Node.
    localAddress = property(lambda self: self._bound_path or _field(self._sock_tuple(), 0),
                            doc='The local IP address once connected (or bound); None before, '
                                'and for a pipe unless bound to a path.')
    localPort = property(lambda self: _field(self._sock_tuple(), 1),
                         doc='The local port once connected (or bound); None before, and for a pipe.')
    localFamily = property(lambda self: _field(self._sock_tuple(), 2),
                           doc="'IPv4' or 'IPv6' of the local end; None before, and for a pipe.")

    @property
    def autoSelectFamilyAttemptedAddresses(self):
        """'ip:port' of each address a Happy Eyeballs race tried; None when
        the connect was no race."""
        plan = self._connect_plan
        return None if plan is None or plan.attempted is None else list(plan.attempted)

    @property
    def bufferSize(self):
        """Node's deprecated name of writableLength."""
        return self.writableLength

    @property
    def destroyed(self):
        """True once destroy() was called or the socket closed by itself."""
        return self._destroyed

    @property
    def pending(self):
        """True until the socket is connected (and while connecting):
        Node's ``socket.pending``."""
        return not self._connected or self.connecting

    @property
    def readable(self):
        """Whether 'data' may still come: not destroyed, 'end' not emitted."""
        return not self._destroyed and not self.readableEnded and self.readable_side

    @property
    def writable(self):
        """Whether write() is still accepted: not destroyed, end() not called."""
        return not self._destroyed and not self.ending

    @property
    def readableEnded(self):
        """True once 'end' was emitted."""
        state = self._readableState
        return self._readable_ended if state is None else state.endEmitted

    @property
    def writableEnded(self):
        """True once end() was called (the data may not have left yet)."""
        return self.ending

    @property
    def readyState(self):
        """'opening' while connecting, 'open', 'readOnly' (our end() sent),
        'writeOnly' (the peer ended, allowHalfOpen), else 'closed'."""
        if self.connecting:
            return 'opening'
        if self.readable and self.writable and self._connected:
            return 'open'
        if self.readable and not self.writable and self._connected:
            return 'readOnly'
        if not self.readable and self.writable and self._connected:
            return 'writeOnly'
        return 'closed'

    def __repr__(self):
        state = self.readyState
        peer = self._peer_tuple() if self._connected else None
        where = ' %s:%s' % (peer[0], peer[1]) if peer else ''
        return '<pyuvnet.Socket %s%s>' % (state, where)


# write() as Socket's own C method: CPython then calls ``sock.write(data)``
# straight from the bytecode, as it does a built-in type's method (the
# per-message path of every echo; _uv.write_method says why).
Socket.write = _uv.write_method(Socket)
# on() likewise: a server's connection handler calls it per connection.
# (Made after the class, so the twin @twins gave it is made again here.)
Socket.on = Socket.addListener = Socket.add_listener = _uv.on_method(Socket)

Stream = Socket


def createConnection(*args, **kwargs):
    """A new Socket, connecting: (options[, cb]) | (path[, cb]) |
    (port[, host][, cb]).  Options of both Socket() and connect().
    Public as ``pyuvnet.createConnection`` (and ``connect``)."""
    options, listener = connecting.normalize_connect_args(args, kwargs)
    sock = Socket({k: v for k, v in options.items() if k in connecting.SOCKET_RULES})
    connect_options = {k: v for k, v in options.items() if k in connecting.CONNECT_RULES}
    return sock.connect(connect_options, *([listener] if listener else []))


def _field(record, index):
    return None if record is None else record[index]
