# UDP over uv_udp_t: UDPHandle, the libuv handle of a pyuvnet.dgram Socket
# (whose C base, DgramCore, is udp_socket.pyx's), as Node keeps its UDPWrap
# under lib/dgram.js.
#
# Receiving: every datagram of a poll is read with recvmmsg where libuv and
# the kernel have it (UV_UDP_RECVMMSG: one alloc'd buffer of 20 datagram
# slots at most per batch), copied once into the bytes 'message' gives, and handed
# to the socket's sole 'message' listener from C with its rinfo Record
# (made here, the peer's address str kept from the datagram before): no
# Python but the listener's runs per datagram.  The bytes and the rinfo
# of a datagram the listener let go are the next one's, refilled (the
# loop's chunk pool; UDPHandle.rinfo), rather than freed and made again.
#
# Ownership (docs/DESIGN.md, "Ownership rules"): the uv_udp_t and its
# receive buffer's pointer are one PyMem block (pyuvnet_udp_t), which the
# close callback frees; the receive buffer itself (PyMem_Raw, as the alloc
# callback runs without the GIL) is freed by on_handle_closed, after the
# close callback, when libuv no longer reads into it.  A UDPHandle holds
# itself from udp_init until its close callback: it is closed by its
# Socket's close() (or with its loop), never collected while open.  Each
# uv_udp_send_t lives in a UDPSendRequest, which holds itself, its chunks
# and its callback from submission until libuv calls it back (once, with
# UV_ECANCELED if the handle closed first).


cdef extern from *:
    """
    /* recvmmsg (libuv >= 1.40 hands the batch's buffer back with
       UV_UDP_MMSG_FREE): the alloc callback offers up to this many 64 KiB
       datagram slots, libuv's UV__MMSG_MAXWIDTH; without it, one. */
    #if UV_VERSION_HEX >= ((1 << 16) | (40 << 8))
    #define PYUVNET_UDP_RECVMMSG UV_UDP_RECVMMSG
    #define PYUVNET_UDP_SLOTS 20
    #else
    #define PYUVNET_UDP_RECVMMSG 0
    #define PYUVNET_UDP_SLOTS 1
    #endif
    #define PYUVNET_UDP_SLOT (64 * 1024)
    typedef struct {
        uv_udp_t udp;
        char *recv_buf;   /* PYUVNET_UDP_SLOTS slots, made at the first receive */
        int slots;        /* what the next batch is offered */
        int got;          /* datagrams of the batch under way */
    } pyuvnet_udp_t;
    /* The alloc callback, without the GIL: the handle's receive buffer,
       reused for every batch (libuv is done with it when the read
       callback returns). */
    static void pyuvnet_udp_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
        pyuvnet_udp_t *udp = (pyuvnet_udp_t *)handle;
        (void)suggested;
        buf->base = udp->recv_buf;
        buf->len = (size_t)udp->slots * PYUVNET_UDP_SLOT;
    }
    /* How wide the next recvmmsg is, from the read callbacks: libuv sets
       up every slot it is offered (a msghdr and an iovec, ~17
       instructions each) at each call, and calls until the kernel says
       EAGAIN: a poll's reads were two 20-slot calls, the second finding
       nothing.  After a partial batch the kernel has most likely nothing
       more, so that call is offered one slot; any other, the widest
       (after a full batch, or a poll's first). */
    static inline void pyuvnet_udp_count(uv_udp_t *handle, const struct sockaddr *addr,
                                         unsigned flags) {
    #if PYUVNET_UDP_SLOTS > 1
        pyuvnet_udp_t *udp = (pyuvnet_udp_t *)handle;
        if (addr != NULL) {
            udp->got++;
        } else if (flags & UV_UDP_MMSG_FREE) {
            udp->slots = udp->got < udp->slots ? 1 : PYUVNET_UDP_SLOTS;
            udp->got = 0;
        } else {
            /* EAGAIN or an error: the poll's reads are over. */
            udp->slots = PYUVNET_UDP_SLOTS;
        }
    #else
        (void)handle; (void)addr; (void)flags;
    #endif
    }
    """
    int PYUVNET_UDP_RECVMMSG, PYUVNET_UDP_SLOTS, PYUVNET_UDP_SLOT
    ctypedef struct pyuvnet_udp_t:
        uv.uv_udp_t udp
        char* recv_buf
        int slots, got
    void pyuvnet_udp_alloc(uv.uv_handle_t* handle, size_t suggested, uv.uv_buf_t* buf) nogil
    void pyuvnet_udp_count(uv.uv_udp_t* handle, const uv.sockaddr* addr, unsigned flags) nogil


from cpython.dict cimport PyDict_SetItem, PyDict_Update
from libc.limits cimport INT_MAX
from libc.string cimport memcmp

cdef str K_ADDRESS = 'address'
cdef str K_FAMILY = 'family'
cdef str K_PORT = 'port'
cdef str K_SIZE = 'size'
cdef str IPV4 = 'IPv4'
cdef str IPV6 = 'IPv6'


# bind()'s flags, for the facade.
UDP_IPV6ONLY = uv.UV_UDP_IPV6ONLY
UDP_REUSEADDR = uv.UV_UDP_REUSEADDR


def udp_recvmmsg_flag():
    """Whether sockets ask libuv for recvmmsg (its build and pyuvnet's
    know of it; the kernel's answer is ``UDPHandle.using_recvmmsg()``)."""
    return PYUVNET_UDP_RECVMMSG != 0


cdef class UDPHandle(Handle):
    """One uv_udp_t of a ``dgram.Socket`` (its owner), made unbound:
    ``bind()`` or ``open()`` gives it its socket.  Methods answer 0 or a
    libuv error code, as Node's UDPWrap does, for the facade to raise."""

    cdef DgramCore owner
    cdef char* recv_buf
    cdef bint receiving
    # The peer address of the last datagram (port 0), and its rinfo as a
    # plain dict (None before the first): an echo's or a client's datagrams
    # come from the same few peers, in runs of one size.
    cdef uv.sockaddr_storage last_peer
    cdef dict last_rinfo
    cdef int last_port
    cdef ssize_t last_size
    # The last rinfo given, and its dict version then: taken back for the
    # next datagram when the listener let it go unchanged.
    cdef object last_record
    cdef unsigned long long record_version
    # The str a send went to last, and its sockaddr (port aside).
    cdef object last_to_ip
    cdef uv.sockaddr_storage last_to
    # AF_INET or AF_INET6: the only family of the addresses it binds,
    # connects and sends to (Node's UDPWrap parses them as its family's:
    # another's is EINVAL); AF_UNSPEC for a handle made only to be closed.
    cdef int family

    def __init__(self, DgramCore owner, bint refed=True, int family=0):
        cdef uv.uv_loop_t* uvloop = self.loop.live()
        cdef pyuvnet_udp_t* block
        cdef int r
        if self.handle != NULL:
            raise RuntimeError('UDPHandle already initialised')
        # Allocated only once the refusals are past: nothing to give back.
        block = <pyuvnet_udp_t*>PyMem_Malloc(sizeof(pyuvnet_udp_t))
        if block == NULL:
            raise MemoryError()
        block.recv_buf = NULL
        block.slots = PYUVNET_UDP_SLOTS
        block.got = 0
        r = uv.uv_udp_init_ex(uvloop, &block.udp, uv.AF_UNSPEC | PYUVNET_UDP_RECVMMSG)
        if r < 0:
            PyMem_Free(block)
            raise errors.uv_exception(r, 'uv_udp_init')
        self.owner = owner
        self.refed = refed
        self.family = uv.AF_INET if family == 4 else uv.AF_INET6 if family == 6 else uv.AF_UNSPEC
        memset(&self.last_peer, 0, sizeof(self.last_peer))
        self.adopt(<uv.uv_handle_t*>block)
        self.hold()

    def __dealloc__(self):
        close_orphaned(self)
        if self.recv_buf != NULL:
            PyMem_RawFree(self.recv_buf)

    cdef inline uv.uv_udp_t* udp(self):
        return <uv.uv_udp_t*>self.handle

    cdef void on_handle_closed(self) except *:
        # libuv reads into the buffer no more, and every send has called
        # back (ECANCELED for those the close caught): the close callback
        # came.  The owner is let go, so that the socket and its closed
        # handle are no reference cycle (freed without the cyclic GC), and
        # may drop its own listeners' cycle (release_closed).
        cdef DgramCore owner = self.owner
        if self.recv_buf != NULL:
            PyMem_RawFree(self.recv_buf)
            self.recv_buf = NULL
        self.receiving = False
        self.last_record = None
        self.owner = None
        if owner is not None:
            owner.release_closed(1)     # 1: ``owner`` here

    def close(self):
        """Close the handle: its sends not yet gone call back with
        ECANCELED; nothing is received any more."""
        self.close_handle()

    def opened(self):
        """Whether the handle is open (not closed nor closing)."""
        return Handle.is_open(self)

    def bind(self, object ip, int port, unsigned int flags):
        cdef uv.sockaddr_storage addr
        if not Handle.is_open(self):
            return uv.UV_EBADF
        if self.address(ip, port, &addr) < 0:
            return uv.UV_EINVAL
        return uv.uv_udp_bind(self.udp(), <uv.sockaddr*>&addr, flags)

    def open(self, uv.uv_os_sock_t fd):
        if not Handle.is_open(self):
            return uv.UV_EBADF
        return uv.uv_udp_open(self.udp(), fd)

    def connect(self, object ip, int port):
        cdef uv.sockaddr_storage addr
        if not Handle.is_open(self):
            return uv.UV_EBADF
        if self.address(ip, port, &addr) < 0:
            return uv.UV_EINVAL
        return uv.uv_udp_connect(self.udp(), <uv.sockaddr*>&addr)

    def disconnect(self):
        if not Handle.is_open(self):
            return uv.UV_EBADF
        return uv.uv_udp_connect(self.udp(), NULL)

    def name(self, bint peer):
        """(address, port, family) or a libuv error code."""
        cdef uv.sockaddr_storage addr
        cdef int size = sizeof(addr)
        cdef int r
        if not Handle.is_open(self):
            return uv.UV_EBADF
        if peer:
            r = uv.uv_udp_getpeername(self.udp(), <uv.sockaddr*>&addr, &size)
        else:
            r = uv.uv_udp_getsockname(self.udp(), <uv.sockaddr*>&addr, &size)
        if r < 0:
            return r
        return sockaddr_to_tuple(<uv.sockaddr*>&addr)

    def fileno(self):
        cdef uv.uv_os_fd_t fd
        if Handle.is_open(self) and uv.uv_fileno(self.handle, &fd) == 0:
            return <intptr_t>fd
        return -1

    def using_recvmmsg(self):
        return Handle.is_open(self) and uv.uv_udp_using_recvmmsg(self.udp()) == 1

    # -- options (each 0 or a libuv error code) ------------------------------

    def set_broadcast(self, bint on):
        return uv.uv_udp_set_broadcast(self.udp(), on) if Handle.is_open(self) else uv.UV_EBADF

    def set_ttl(self, int ttl):
        return uv.uv_udp_set_ttl(self.udp(), ttl) if Handle.is_open(self) else uv.UV_EBADF

    def set_multicast_ttl(self, int ttl):
        return uv.uv_udp_set_multicast_ttl(self.udp(), ttl) if Handle.is_open(self) else uv.UV_EBADF

    def set_multicast_loop(self, bint on):
        return uv.uv_udp_set_multicast_loop(self.udp(), on) if Handle.is_open(self) else uv.UV_EBADF

    def set_multicast_interface(self, str interface):
        if not Handle.is_open(self):
            return uv.UV_EBADF
        return uv.uv_udp_set_multicast_interface(self.udp(), interface.encode())

    def set_membership(self, str group, object interface, bint join):
        cdef bytes iface = interface.encode() if interface is not None else None
        if not Handle.is_open(self):
            return uv.UV_EBADF
        return uv.uv_udp_set_membership(self.udp(), group.encode(),
                                        <char*>iface if iface is not None else NULL,
                                        uv.UV_JOIN_GROUP if join else uv.UV_LEAVE_GROUP)

    def set_source_membership(self, str source, str group, object interface, bint join):
        cdef bytes iface = interface.encode() if interface is not None else None
        if not Handle.is_open(self):
            return uv.UV_EBADF
        return uv.uv_udp_set_source_membership(
            self.udp(), group.encode(), <char*>iface if iface is not None else NULL,
            source.encode(), uv.UV_JOIN_GROUP if join else uv.UV_LEAVE_GROUP)

    def buffer_size(self, long long size, bint recv):
        """(0, the size now) after setting ``size`` (0: only asking), or
        (a libuv error code, 0).  A size over a C int is EINVAL, as
        Node's C++ refuses it."""
        cdef int value
        cdef int r
        if not Handle.is_open(self):
            return (uv.UV_EBADF, 0)
        if size > INT_MAX:
            return (uv.UV_EINVAL, 0)
        value = <int>size
        if recv:
            r = uv.uv_recv_buffer_size(self.handle, &value)
        else:
            r = uv.uv_send_buffer_size(self.handle, &value)
        if r < 0:
            return (r, 0)
        return (0, value)

    def send_queue(self):
        """(bytes, datagrams) waiting in libuv's send queue."""
        if not Handle.is_open(self):
            return (0, 0)
        return (uv.uv_udp_get_send_queue_size(self.udp()),
                uv.uv_udp_get_send_queue_count(self.udp()))

    # -- receiving ----------------------------------------------------------

    def recv_start(self):
        cdef int r
        if not Handle.is_open(self):
            return uv.UV_EBADF
        if self.recv_buf == NULL:
            self.recv_buf = <char*>PyMem_RawMalloc(PYUVNET_UDP_SLOTS * PYUVNET_UDP_SLOT)
            if self.recv_buf == NULL:
                raise MemoryError()
            (<pyuvnet_udp_t*>self.handle).recv_buf = self.recv_buf
        r = uv.uv_udp_recv_start(self.udp(), <uv.uv_alloc_cb><void*>pyuvnet_udp_alloc,
                                 <uv.uv_udp_recv_cb><void*>udp_received)
        if r == 0:
            self.receiving = True
            self.loop.io_changed()
        return r

    def recv_stop(self):
        if Handle.is_open(self) and self.receiving:
            self.receiving = False
            return uv.uv_udp_recv_stop(self.udp())
        return 0

    cdef object rinfo(self, const uv.sockaddr* addr, ssize_t size):
        """The 'message' rinfo Record: {address, family, port, size}, a copy
        of last_rinfo, brought up to date first (an update into an empty
        dict copies the other's table whole: no key hashed or inserted).
        The last one is given again, brought up to date alike, when the
        listener let it go unchanged: only this handle refers to it (no
        Python code can see it change) and its dict version is the one it
        was given with (dict.__setitem__ can change a Record)."""
        cdef object record = None
        cdef object value
        cdef uv.sockaddr_storage peer
        cdef size_t addr_len
        cdef int port
        cdef bint v4 = addr.sa_family == uv.AF_INET
        addr_len = sizeof(uv.sockaddr_in) if v4 else sizeof(uv.sockaddr_in6)
        memcpy(&peer, addr, addr_len)
        if v4:
            port = uv.ntohs((<uv.sockaddr_in*>addr).sin_port)
            (<uv.sockaddr_in*>&peer).sin_port = 0
        else:
            port = uv.ntohs((<uv.sockaddr_in6*>addr).sin6_port)
            (<uv.sockaddr_in6*>&peer).sin6_port = 0
        if self.last_rinfo is None or memcmp(&peer, &self.last_peer, addr_len) != 0:
            memcpy(&self.last_peer, &peer, addr_len)
            self.last_rinfo = {K_ADDRESS: sockaddr_to_tuple(<uv.sockaddr*>&peer)[0],
                               K_FAMILY: IPV4 if v4 else IPV6, K_PORT: port, K_SIZE: size}
        else:
            if (uv.PYUVNET_DICT_VERSIONS and self.last_record is not None
                    and _Py_REFCNT(<PyObject*>self.last_record) == 1
                    and uv.pyuvnet_dict_version(self.last_record) == self.record_version
                    and type(self.last_record) is RemoteInfo):
                record = self.last_record
            if port != self.last_port:
                value = port
                PyDict_SetItem(self.last_rinfo, K_PORT, value)
                if record is not None:
                    PyDict_SetItem(record, K_PORT, value)
            if size != self.last_size:
                value = size
                PyDict_SetItem(self.last_rinfo, K_SIZE, value)
                if record is not None:
                    PyDict_SetItem(record, K_SIZE, value)
        self.last_port = port
        self.last_size = size
        if record is None:
            record = owned(tp_new_raw(<PyTypeObject*>RemoteInfo, <PyObject*>NO_ARGS))
            PyDict_Update(record, self.last_rinfo)
            self.last_record = record
        self.record_version = uv.pyuvnet_dict_version(record)
        return record

    # -- sending ------------------------------------------------------------

    cdef int address(self, object ip, int port, uv.sockaddr_storage* addr) except -2:
        """Fill ``addr`` for ``ip``:``port``: 0, or -1 when ``ip`` is not
        of the handle's family."""
        cdef int family = udp_addr(ip, port, addr)
        return -1 if self.family != uv.AF_UNSPEC and family != self.family else 0

    cdef int target(self, object ip, int port, uv.sockaddr_storage* addr) except -2:
        """``addr`` for ``ip``:``port``, parsed once per peer str; -1
        when ``ip`` is not of the handle's family."""
        if ip is not self.last_to_ip:
            if self.address(ip, port, &self.last_to) < 0:
                self.last_to_ip = None      # last_to was written over
                return -1
            self.last_to_ip = ip
        memcpy(addr, &self.last_to, sizeof(uv.sockaddr_storage))
        if addr.ss_family == uv.AF_INET:
            (<uv.sockaddr_in*>addr).sin_port = uv.htons(port)
        else:
            (<uv.sockaddr_in6*>addr).sin6_port = uv.htons(port)
        return 0

    def send(self, list chunks, object ip, int port, object callback):
        """Send ``chunks`` (bytes) as one datagram, to ``ip``:``port`` (ip
        None: the connected peer).  As Node's UDPWrap: the datagram's size
        + 1 when it left at once (uv_udp_try_send), 0 when queued
        (``owner._after_send(callback, status, size)`` follows, if
        ``callback`` is not None), or a libuv error code."""
        return self.send_list(chunks, ip, port, callback)

    cdef Py_ssize_t send_one(self, bytes data, object ip, int port,
                             object callback) except? -9999:
        """send_list() of one bytes, with no list made unless libuv
        queues it."""
        cdef uv.sockaddr_storage addr
        cdef uv.uv_buf_t buf
        cdef int r
        if not Handle.is_open(self):
            return uv.UV_EBADF
        if self.target(ip, port, &addr) < 0:
            return uv.UV_EINVAL
        buf.base = PyBytes_AS_STRING(data)
        buf.len = PyBytes_GET_SIZE(data)
        r = uv.uv_udp_try_send(self.udp(), &buf, 1, <uv.sockaddr*>&addr)
        if r >= 0:
            return buf.len + 1
        if r != uv.UV_EAGAIN and r != uv.UV_ENOSYS:
            return r
        return self.queue(&buf, 1, <uv.sockaddr*>&addr, [data], callback, buf.len)

    cdef Py_ssize_t send_list(self, list chunks, object ip, int port,
                              object callback) except? -9999:
        cdef uv.sockaddr_storage addr
        cdef uv.sockaddr* to = NULL
        cdef uv.uv_buf_t small[8]
        cdef uv.uv_buf_t* bufs = small
        cdef Py_ssize_t n = len(chunks), i, size = 0
        cdef bytes chunk
        cdef int r
        if not Handle.is_open(self):
            return uv.UV_EBADF
        if ip is not None:
            if self.target(ip, port, &addr) < 0:
                return uv.UV_EINVAL
            to = <uv.sockaddr*>&addr
        if n > 8:
            bufs = <uv.uv_buf_t*>PyMem_Malloc(n * sizeof(uv.uv_buf_t))
            if bufs == NULL:
                raise MemoryError()
        try:
            for i in range(n):
                chunk = <bytes?>chunks[i]
                bufs[i].base = PyBytes_AS_STRING(chunk)
                bufs[i].len = PyBytes_GET_SIZE(chunk)
                size += PyBytes_GET_SIZE(chunk)
            r = uv.uv_udp_try_send(self.udp(), bufs, n, to)
            if r >= 0:
                return size + 1
            if r != uv.UV_EAGAIN and r != uv.UV_ENOSYS:
                return r
            return self.queue(bufs, n, to, chunks, callback, size)
        finally:
            if bufs != small:
                PyMem_Free(bufs)

    cdef Py_ssize_t queue(self, uv.uv_buf_t* bufs, Py_ssize_t n, uv.sockaddr* to, list chunks,
                          object callback, Py_ssize_t size) except? -9999:
        """What the kernel did not take at once, to uv_udp_send: 0, or a
        libuv error code."""
        cdef UDPSendRequest req = UDPSendRequest.__new__(UDPSendRequest)
        cdef int r = uv.uv_udp_send(&req.req, self.udp(), bufs, n, to,
                                    <uv.uv_udp_send_cb><void*>udp_sent)
        if r < 0:
            return r
        # libuv copied the uv_buf_t array; the bytes stay with the request.
        req.udp = self
        req.chunks = chunks
        req.callback = callback
        req.size = size
        req.req.data = <void*>req
        Py_INCREF(req)
        self.loop.io_changed()
        return 0


cdef int udp_addr(object ip, int port, uv.sockaddr_storage* addr) except -1:
    """parse_ip without its encode: an exact str's UTF-8 is CPython's own
    (kept with the str: rinfo.address's is made once per peer)."""
    cdef const char* text
    if type(ip) is not str:
        return parse_ip(ip, port, addr)
    text = PyUnicode_AsUTF8(ip)
    if uv.uv_ip4_addr(text, port, <uv.sockaddr_in*>addr) == 0:
        return uv.AF_INET
    if uv.uv_ip6_addr(text, port, <uv.sockaddr_in6*>addr) == 0:
        return uv.AF_INET6
    raise errors.ERR_INVALID_IP_ADDRESS(ip)


cdef class UDPSendRequest:
    """One uv_udp_send_t; holds itself, its datagram's bytes and its
    callback from submission until libuv calls it back."""
    cdef uv.uv_udp_send_t req
    cdef UDPHandle udp
    cdef list chunks
    cdef object callback
    cdef Py_ssize_t size


cdef void udp_sent(uv.uv_udp_send_t* req, int status) noexcept:
    # A loop callback (see loop.pyx, "The GIL"): takes the GIL first.
    take_gil_after_reads(req.handle.loop)
    sent_with_gil(req, status)


cdef void sent_with_gil(uv.uv_udp_send_t* req, int status) noexcept:
    cdef UDPSendRequest sr = <UDPSendRequest>req.data
    cdef UDPHandle udp = sr.udp
    cdef object callback = sr.callback
    Py_DECREF(sr)       # the submission's reference; ``sr`` holds it still
    if callback is None:
        return
    try:
        udp.owner._after_send(callback, status, sr.size)
    except BaseException as exc:
        udp.loop.report(exc)
    udp.loop.after_callback()


cdef void udp_received(uv.uv_udp_t* handle, ssize_t nread, const uv.uv_buf_t* buf,
                       const uv.sockaddr* addr, unsigned flags) noexcept:
    # A loop callback (see loop.pyx, "The GIL").  Nothing read (the
    # kernel's EAGAIN) or a recvmmsg batch's buffer handed back
    # (UV_UDP_MMSG_FREE; the buffer is the handle's, freed at its close):
    # no GIL, no Python.
    pyuvnet_udp_count(handle, addr, flags)
    if nread == 0 and addr == NULL:
        return
    take_gil_after_reads(handle.loop)
    received_with_gil(handle, nread, buf.base, addr)


cdef void received_with_gil(uv.uv_udp_t* handle, ssize_t nread, const char* base,
                            const uv.sockaddr* addr) noexcept:
    cdef UDPHandle udp = <UDPHandle>handle.data
    cdef DgramCore owner = udp.owner
    cdef object listener
    cdef object msg, rinfo
    try:
        if nread < 0:
            owner._on_recv_error(nread)
        else:
            # (a bytes the listener let go is refilled: pyuvnet_chunk)
            msg = uv.pyuvnet_chunk(<uv.pyuvnet_loop_t*>udp.loop.uvloop, base, nread)
            rinfo = udp.rinfo(addr, nread)
            listener = owner.message_listener
            if listener is None:
                owner._emit(MESSAGE, (msg, rinfo))
            elif call_two(<PyObject*>listener, <PyObject*>msg, <PyObject*>rinfo) < 0:
                report_raised(udp.loop)
    except BaseException as exc:
        udp.loop.report(exc)
    udp.loop.after_callback()
