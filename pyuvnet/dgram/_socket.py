"""``dgram.Socket``: Node's UDP socket, its bind/connect state machine and
its send queue, over the C handle (``_uv.UDPHandle``, uv/handles/udp.pyx),
as Node's lib/dgram.js runs over UDPWrap.  'message' is emitted by the C
base (``_uv.DgramCore``); everything here runs per user call."""
import math
import os
from collections.abc import Mapping

from pyuvnet import _uv, errors

from pyuvnet._internal import listening as _listening
from pyuvnet._internal.aliases import twins
from pyuvnet._internal.handle_refs import HandleRefs
from pyuvnet._internal.options import OptionSpec, normalize_options
from pyuvnet._internal.records import Record
from pyuvnet._internal.validate import (
                                        is_number, validate_abort_signal, validate_function, validate_number, validate_port,
                                        validate_string, validate_uint32,
                                        )
from ._buffers import chunk_list, slice_buffer, to_int32, to_uint32
from ._errors import errno_exception, with_host_port
from ._lookup import program_dns_lookup, resolver

UNBOUND, BINDING, BOUND = 0, 1, 2
DISCONNECTED, CONNECTING, CONNECTED = 0, 1, 2

SOCKET_OPTIONS = OptionSpec({
    'type': 'any', 'reuseAddr': 'any', 'ipv6Only': 'any', 'recvBufferSize': 'any',
    'sendBufferSize': 'any', 'lookup': 'any', 'signal': 'any',
})
_BIND_OPTIONS = OptionSpec({'port': 'any', 'address': 'any', 'exclusive': 'any', 'fd': 'any'})
_SEND_KEYWORDS = ('offset', 'length', 'port', 'address', 'callback')

@twins('remoteAddress', 'setBroadcast', 'setTTL', 'setMulticastTTL', 'setMulticastLoopback',
       'setMulticastInterface', 'addMembership', 'dropMembership', 'addSourceSpecificMembership',
       'dropSourceSpecificMembership', 'setRecvBufferSize', 'setSendBufferSize',
       'getRecvBufferSize', 'getSendBufferSize', 'getSendQueueSize', 'getSendQueueCount',
       row='dgram.Socket', bases=('EventEmitter',))
class Socket(_uv.DgramCore, HandleRefs):
    """Node's ``dgram.Socket``: made by ``createSocket()``; bound by
    ``bind()`` (or at the first ``send()``/``connect()``); emits
    'listening', 'message'(msg, rinfo), 'connect', 'error' and 'close'."""

    def __init__(self, type=None, listener=None, **options):
        """A socket of ``type`` ('udp4' or 'udp6'), or of the options dict
        (or keywords) ``type``, ``reuseAddr``, ``ipv6Only``,
        ``recvBufferSize``, ``sendBufferSize``, ``lookup``, ``signal``;
        ``listener`` is added to 'message'.  ERR_SOCKET_BAD_TYPE,
        ERR_INVALID_ARG_TYPE at once for bad ones."""
        if isinstance(type, Mapping) or options:
            opts = normalize_options(type if isinstance(type, Mapping) else None, options,
                                     SOCKET_OPTIONS)
            if not isinstance(type, Mapping) and type is not None:
                opts.setdefault('type', type)
        else:
            opts = {'type': type}
        type = opts.get('type')
        if type not in ('udp4', 'udp6'):
            raise errors.ERR_SOCKET_BAD_TYPE()
        lookup = opts.get('lookup')
        if lookup is not None:
            validate_function(lookup, 'lookup')
        else:
            lookup = program_dns_lookup()
        self.type = type
        self._family = 4 if type == 'udp4' else 6
        self._lookup = resolver(lookup, self._family)
        self._default_lookup = lookup is None
        self._closed = False
        self._refed = True
        self._receiving = False
        self._bind_state = UNBOUND
        self._connect_state = DISCONNECTED
        self._queue = None              # what waits for the bind: calls
        self._drop_bind_callback = None  # while bind()'s callback waits for it
        self._reuse_addr = bool(opts.get('reuseAddr'))
        self._ipv6_only = bool(opts.get('ipv6Only'))
        self._recv_buffer_size = _buffer_size_option(opts, 'recvBufferSize')
        self._send_buffer_size = _buffer_size_option(opts, 'sendBufferSize')
        if callable(listener):
            self.on('message', listener)
        signal = opts.get('signal')
        if signal is not None:
            validate_abort_signal(signal, 'options.signal')
            self._watch_signal(signal)

    def _watch_signal(self, signal):
        def on_aborted(*_):
            if not self._closed:
                self.close()
        if signal.aborted:
            on_aborted()
        else:
            signal.once('abort', on_aborted)
            self.once('close', lambda: signal.removeListener('abort', on_aborted))

    # -- the handle ---------------------------------------------------------

    def _health_check(self):
        if self._closed:
            raise errors.ERR_SOCKET_DGRAM_NOT_RUNNING()

    def _udp(self):
        """The handle, made at the first call that needs one: it has no
        socket until bound, and libuv answers EBADF for it then, as
        Node's (made with the dgram.Socket) does."""
        if self._handle is None:
            self._handle = _uv.UDPHandle(self, self._refed, self._family)
        return self._handle

    def _handle_call(self, method, *args):
        """``method`` of the handle: 0 or a libuv code."""
        return getattr(self._udp(), method)(*args)

    # -- bind ---------------------------------------------------------------

    def bind(self, *args, **options):
        """Bind: ``bind([port][, address][, callback])`` or
        ``bind(options[, callback])`` with ``port``, ``address``,
        ``exclusive``, ``fd`` (as keywords too).  'listening' follows, and
        the callback with it; a failure is 'error'.  ERR_SOCKET_ALREADY_BOUND
        at once on a bound socket."""
        self._health_check()
        if self._bind_state != UNBOUND:
            raise errors.ERR_SOCKET_ALREADY_BOUND()
        if options:
            first = args[0] if args and isinstance(args[0], Mapping) else None
            args = (normalize_options(first, options, _BIND_OPTIONS),) + args[1 if first else 0:]
        self._bind_state = BINDING
        callback = args[-1] if args and callable(args[-1]) else None
        if callback is not None:
            self._bind_callback(callback)
        port = args[0] if args else None
        exclusive = False
        if isinstance(port, Mapping):
            fd = port.get('fd')
            if isinstance(fd, int) and not isinstance(fd, bool) and 0 < fd < 2 ** 31:
                return self._bind_fd(fd)
            address = port.get('address') or ''
            exclusive = bool(port.get('exclusive'))
            port = port.get('port')
        else:
            address = args[1] if len(args) > 1 and not callable(args[1]) else ''
        if not address:
            address = '0.0.0.0' if self.type == 'udp4' else '::'
        self._lookup(address, lambda err, ip=None, *_: self._bind_to(err, ip, port, exclusive))
        return self

    def _bind_callback(self, callback):
        # Node: the callback is a 'listening' listener, gone at an 'error'.
        # The pair's cells are emptied once it is removed, so that the
        # functions (which hold the socket) are no cycle for the GC; a
        # close() before the bind completed removes it too (neither event
        # can come for that bind any more, though Node leaves the pair).
        def remove(*_):
            nonlocal remove, on_listening
            if on_listening is None:
                return      # removed already: an 'error' listener closed the socket
            self.removeListener('error', remove)
            self.removeListener('listening', on_listening)
            remove = on_listening = self._drop_bind_callback = None

        def on_listening():
            remove()
            callback()
        self.on('error', remove)
        self.on('listening', on_listening)
        self._drop_bind_callback = remove

    def _bind_fd(self, fd):
        kind = _uv.guess_handle(fd)
        if kind != 'udp':
            raise errors.ERR_INVALID_FD_TYPE(kind.upper())
        err = self._udp().open(fd)
        if err:
            raise errno_exception(err, 'open')
        self._start_listening()
        return self

    def _bind_to(self, err, ip, port, exclusive):
        if self._closed:
            return      # Node: closed meanwhile, even a failed lookup is dropped
        if err is not None:
            self._bind_failed(err)
            return
        flags = (_uv.UDP_REUSEADDR if self._reuse_addr else 0) | \
                (_uv.UDP_IPV6ONLY if self._ipv6_only else 0)
        # Node's C++ takes the port as ToUint32, and libuv its low 16 bits.
        port_number = to_uint32(port or 0) & 0xFFFF
        # In a cluster worker the primary binds the socket and shares it
        # with every worker binding the same address (Node's bindServerHandle).
        if _listening.cluster_bind is not None and not exclusive:
            _listening.cluster_bind(self, ip, port_number, flags)
            return
        status = self._udp().bind(ip, port_number, flags)
        if status:
            self._bind_failed(with_host_port(status, 'bind', ip, port))
            return
        self._start_listening()

    def _bind_shared(self, errno, fd, ip, port):
        """A cluster worker's bind to ``ip``:``port``, answered by the
        primary: its socket as ``fd`` (which this takes over), or the
        libuv error ``errno`` of its bind (Node's worker raises it as its
        own: 'bind EADDRINUSE 127.0.0.1:41234')."""
        if self._closed:
            # Closed while the primary answered: its socket is not taken.
            if not errno:
                os.close(fd)
            return
        if errno:
            self._bind_failed(with_host_port(errno, 'bind', ip, port))
            return
        status = self._udp().open(fd)
        if status:
            os.close(fd)
            self._bind_failed(errno_exception(status, 'open'))
            return
        self._start_listening()

    def _bind_failed(self, err):
        self._bind_state = UNBOUND
        if self._queue is not None:
            # Node's errorMonitor listener: what waited for the bind is dropped.
            self._queue = None
            self.removeListener('listening', self._flush_queue)
        self.emit('error', err)

    def _start_listening(self):
        self._handle.recv_start()
        self._receiving = True
        self._bind_state = BOUND
        self._update_send_path()
        if self._recv_buffer_size:
            self._buffer_size(self._recv_buffer_size, True)
        if self._send_buffer_size:
            self._buffer_size(self._send_buffer_size, False)
        self.emit('listening')

    def _update_send_path(self):
        """Let send() take its C path while the socket is bound, not
        connected (nor connecting), not closed and has the default lookup."""
        fast = (self._bind_state == BOUND and self._connect_state == DISCONNECTED
                and not self._closed and self._default_lookup)
        self._send_family = self._family if fast else 0

    def _enqueue(self, call):
        if self._queue is None:
            self._queue = []
            self.once('listening', self._flush_queue)
        self._queue.append(call)

    def _flush_queue(self):
        queue, self._queue = self._queue, None
        for call in queue:
            call()

    # -- connect ------------------------------------------------------------

    def connect(self, port, address=None, callback=None):
        """Associate the socket with ``address``:``port`` (the loopback by
        default), binding it first if needed: 'connect' follows, or the
        callback with the error.  ERR_SOCKET_DGRAM_IS_CONNECTED at once if
        connected."""
        port = validate_port(port, 'Port', False)
        if callable(address):
            callback, address = address, ''
        elif address is None:
            address = ''
        validate_string(address, 'address')
        if self._connect_state != DISCONNECTED:
            raise errors.ERR_SOCKET_DGRAM_IS_CONNECTED()
        self._connect_state = CONNECTING
        self._update_send_path()
        if self._bind_state == UNBOUND:
            self.bind({'port': 0, 'exclusive': True}, None)
        if self._bind_state != BOUND:
            self._enqueue(lambda: self._connect(port, address, callback))
            return
        self._connect(port, address, callback)

    def _connect(self, port, address, callback):
        if callback is not None:
            self.once('connect', callback)
        self._lookup(address, lambda err, ip=None, *_: self._connect_to(err, ip, address, port,
                                                                      callback))

    def _connect_to(self, err, ip, address, port, callback):
        if self._closed:
            return
        if err is None:
            status = self._handle.connect(ip, port)
            if status:
                err = with_host_port(status, 'connect', address, port)
        if err is not None:
            self._connect_state = DISCONNECTED
            self._update_send_path()

            def report():
                if callback is not None:
                    self.removeListener('connect', callback)
                    callback(err)
                else:
                    self.emit('error', err)
            _uv.nextTick(report)
            return
        self._connect_state = CONNECTED
        _uv.nextTick(self.emit, 'connect')

    def disconnect(self):
        """Dissolve the association connect() made (at once).
        ERR_SOCKET_DGRAM_NOT_CONNECTED if not connected."""
        if self._connect_state != CONNECTED:
            raise errors.ERR_SOCKET_DGRAM_NOT_CONNECTED()
        status = self._handle_call('disconnect')
        if status:
            raise errno_exception(status, 'connect')
        self._connect_state = DISCONNECTED
        self._update_send_path()

    # -- send ---------------------------------------------------------------

    def _send_slow(self, msg, *args, **keywords):
        # send()'s every form but the one the C base takes (_uv.DgramCore.send).
        if keywords:
            args = self._send_arguments(args, keywords)
        offset, length, port, address, callback = (args + (None,) * 5)[:5]
        connected = self._connect_state == CONNECTED
        if not connected:
            if address or (port and not callable(port)):
                msg = slice_buffer(msg, offset, length)
            else:
                callback, port, address = port, offset, length
        else:
            if is_number(length):
                msg = slice_buffer(msg, offset, length)
                if callable(port):
                    callback, port = port, None
            else:
                callback = offset
            if port or address:
                raise errors.ERR_SOCKET_DGRAM_IS_CONNECTED()
        chunks = chunk_list(msg)
        if not connected:
            port = validate_port(port, 'Port', False)
        if not callable(callback):
            callback = None
        if callable(address):
            callback, address = address, None
        elif address is not None:
            validate_string(address, 'address')
        self._send_list(chunks, port, address, callback)

    @staticmethod
    def _send_arguments(args, keywords):
        unknown = set(keywords) - set(_SEND_KEYWORDS)
        if unknown:
            raise TypeError('send() got an unexpected keyword argument %r' % unknown.pop())
        if args:
            raise TypeError("send()'s arguments after msg go by position or by keyword, not both")
        get = keywords.get
        if 'offset' in keywords or 'length' in keywords:
            return (get('offset'), get('length'), get('port'), get('address'), get('callback'))
        if 'port' in keywords:
            return (get('port'), get('address'), get('callback'))
        return (get('callback'),)

    def _send_list(self, chunks, port, address, callback):
        self._health_check()
        if self._bind_state == UNBOUND:
            self.bind({'port': 0, 'exclusive': True}, None)
        if not chunks:
            chunks.append(b'')
        if self._bind_state != BOUND:
            self._enqueue(lambda: self._send_list(chunks, port, address, callback))
            return
        if self._connect_state == CONNECTED:
            self._do_send(None, None, chunks, address, port, callback)
        else:
            self._lookup(address, lambda err, ip=None, *_: self._do_send(
                err, ip, chunks, address, port, callback))

    def _do_send(self, err, ip, chunks, address, port, callback):
        if err is not None:
            if callback is not None:
                _uv.nextTick(callback, err)
            else:
                _uv.nextTick(self.emit, 'error', err)
            return
        if self._closed:
            return
        status = self._handle.send(chunks, ip if port else None, port or 0,
                                   None if callback is None else (callback, address, port))
        if status >= 1:
            if callback is not None:
                _uv.nextTick(callback, None, status - 1)
        elif status and callback is not None:
            _uv.nextTick(callback, with_host_port(status, 'send', address, port))

    def _after_send(self, request, status, size):
        # A queued send's completion (the handle's, from C).
        callback, address, port = request
        if status < 0:
            callback(with_host_port(status, 'send', address, port), size)
        else:
            callback(None, size)

    def _on_recv_error(self, status):
        # A failed receive (from C).
        self.emit('error', errno_exception(status, 'recvmsg'))

    # -- close, addresses ---------------------------------------------------

    def close(self, callback=None):
        """Close the socket: nothing is received or sent any more (sends
        not yet handed to the kernel are dropped), 'close' follows on the
        next tick (``callback`` is added to it).  Before the bind completes
        the close waits for it, as in Node."""
        if callable(callback):
            self.on('close', callback)
        if self._queue is not None:
            self._queue.append(self.close)
            return self
        self._health_check()
        if self._drop_bind_callback is not None:
            self._drop_bind_callback()
        self._stop_receiving()
        self._close_handle()
        self._closed = True
        self._send_family = 0
        _uv.nextTick(self.emit, 'close')
        return self

    def _stop_receiving(self):
        if self._receiving:
            self._handle.recv_stop()
            self._receiving = False

    def _resume_receiving(self):
        # After a _stop_receiving() of the asyncio layer's (its queue full).
        if not self._receiving and not self._closed and self._bind_state == BOUND:
            self._handle.recv_start()
            self._receiving = True

    def address(self):
        """The bound address, a Record ``{address, family, port}``; EBADF
        before the bind."""
        self._health_check()
        return self._name(False, 'getsockname')

    def remoteAddress(self):
        """The connected peer's address, a Record ``{address, family,
        port}``.  ERR_SOCKET_DGRAM_NOT_CONNECTED if not connected."""
        self._health_check()
        if self._connect_state != CONNECTED:
            raise errors.ERR_SOCKET_DGRAM_NOT_CONNECTED()
        return self._name(True, 'getpeername')

    def _name(self, peer, syscall):
        found = self._handle_call('name', peer)
        if isinstance(found, int):
            raise errno_exception(found, syscall)
        address, port, family = found
        return Record(address=address, family=family, port=port)

    # -- options --------------------------------------------------------------

    def _option(self, syscall, method, *args):
        status = self._handle_call(method, *args)
        if status:
            raise errno_exception(status, syscall)

    def setBroadcast(self, flag):
        """SO_BROADCAST on or off (the socket must be bound)."""
        self._option('setBroadcast', 'set_broadcast', bool(flag))

    def setTTL(self, ttl):
        """IP_TTL (1-255); returns ``ttl``."""
        validate_number(ttl, 'ttl')
        self._option('setTTL', 'set_ttl', to_int32(ttl))
        return ttl

    def setMulticastTTL(self, ttl):
        """IP_MULTICAST_TTL (0-255); returns ``ttl``."""
        validate_number(ttl, 'ttl')
        self._option('setMulticastTTL', 'set_multicast_ttl', to_int32(ttl))
        return ttl

    def setMulticastLoopback(self, flag):
        """IP_MULTICAST_LOOP on or off; returns ``flag``."""
        self._option('setMulticastLoopback', 'set_multicast_loop', bool(flag))
        return flag

    def setMulticastInterface(self, interfaceAddress):
        """The interface multicast datagrams leave by."""
        self._health_check()
        validate_string(interfaceAddress, 'interfaceAddress')
        self._option('setMulticastInterface', 'set_multicast_interface', interfaceAddress)

    def _membership(self, syscall, join, group, interface):
        self._health_check()
        if not group:
            raise errors.ERR_MISSING_ARGS('multicastAddress')
        self._option(syscall, 'set_membership', str(group),
                     None if interface is None else str(interface), join)

    def addMembership(self, multicastAddress=None, interfaceAddress=None):
        """Join the multicast group (IP_ADD_MEMBERSHIP)."""
        self._membership('addMembership', True, multicastAddress, interfaceAddress)

    def dropMembership(self, multicastAddress=None, interfaceAddress=None):
        """Leave the multicast group (IP_DROP_MEMBERSHIP)."""
        self._membership('dropMembership', False, multicastAddress, interfaceAddress)

    def _source_membership(self, syscall, join, source, group, interface):
        self._health_check()
        validate_string(source, 'sourceAddress')
        validate_string(group, 'groupAddress')
        self._option(syscall, 'set_source_membership', source, group,
                     None if interface is None else str(interface), join)

    def addSourceSpecificMembership(self, sourceAddress, groupAddress, interfaceAddress=None):
        """Join the source-specific multicast channel (IP_ADD_SOURCE_MEMBERSHIP)."""
        self._source_membership('addSourceSpecificMembership', True, sourceAddress,
                                groupAddress, interfaceAddress)

    def dropSourceSpecificMembership(self, sourceAddress, groupAddress, interfaceAddress=None):
        """Leave the source-specific multicast channel (IP_DROP_SOURCE_MEMBERSHIP)."""
        self._source_membership('dropSourceSpecificMembership', False, sourceAddress,
                                groupAddress, interfaceAddress)

    def _buffer_size(self, size, recv):
        if not (is_number(size) and to_uint32(size) == size):
            raise errors.ERR_SOCKET_BAD_BUFFER_SIZE()
        status, value = self._udp().buffer_size(int(size), recv)
        if status:
            raise errors.ERR_SOCKET_BUFFER_SIZE(
                status, 'uv_recv_buffer_size' if recv else 'uv_send_buffer_size')
        return value

    def setRecvBufferSize(self, size):
        """SO_RCVBUF, in bytes (the socket must be bound)."""
        self._buffer_size(size, True)

    def setSendBufferSize(self, size):
        """SO_SNDBUF, in bytes (the socket must be bound)."""
        self._buffer_size(size, False)

    def getRecvBufferSize(self):
        """SO_RCVBUF as the kernel reports it (Linux doubles what was set)."""
        return self._buffer_size(0, True)

    def getSendBufferSize(self):
        """SO_SNDBUF as the kernel reports it (Linux doubles what was set)."""
        return self._buffer_size(0, False)

    def getSendQueueSize(self):
        """Bytes queued in libuv, waiting for the kernel to take them."""
        return self._handle.send_queue()[0] if self._handle is not None else 0

    def getSendQueueCount(self):
        """Datagrams queued in libuv, waiting for the kernel to take them."""
        return self._handle.send_queue()[1] if self._handle is not None else 0


def _buffer_size_option(options, name):
    """createSocket()'s ``name`` option: a uint32 or ERR_OUT_OF_RANGE (a
    RangeError) at once, as Node checks it; None when JavaScript would
    find it falsy (NaN too), as Node skips it then."""
    size = options.get(name)
    if not size or (isinstance(size, float) and math.isnan(size)):
        return None
    return validate_uint32(size, 'options.' + name)


def createSocket(type=None, listener=None, **options):
    """``Socket(type, listener, **options)``: a new, unbound dgram socket."""
    return Socket(type, listener, **options)
