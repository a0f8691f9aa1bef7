# TCP specifics over uv_tcp_t, as functions on a Handle (a Stream or a
# Listener): init, bind, connect, nodelay, keepalive, names, reset.


cdef int tcp_init(Handle owner, int family=0) except -1:
    """Give ``owner`` a fresh uv_tcp_t (its socket created at once when
    ``family`` is AF_INET/AF_INET6, so options can be set before bind)."""
    cdef uv.uv_loop_t* uvloop = owner.loop.live()     # before anything is allocated
    cdef size_t size = uv.uv_handle_size(uv.UV_TCP)
    cdef uv.uv_tcp_t* tcp = <uv.uv_tcp_t*>PyMem_Malloc(size + sizeof(fin_request))
    cdef int r
    if tcp == NULL:
        raise MemoryError()
    if family:
        r = uv.uv_tcp_init_ex(uvloop, tcp, family)
    else:
        r = uv.uv_tcp_init(uvloop, tcp)
    if r < 0:
        PyMem_Free(tcp)
        raise errors.uv_exception(r, 'uv_tcp_init')
    owner.adopt(<uv.uv_handle_t*>tcp)
    give_fin_room(owner, <char*>tcp + size)
    return 0


cdef inline void give_fin_room(Handle owner, char* room) noexcept:
    """A stream handle's block ends with room for its FIN's request
    (StreamWrites.fin_room)."""
    cdef fin_request* fin = <fin_request*>room
    if isinstance(owner, StreamWrites):
        fin.in_room = True
        fin.busy = False
        (<StreamWrites>owner).fin_room = fin


cdef str exact_str(object value, str name):
    """``value`` as an exact ``str``: a ``str`` subclass is accepted
    wherever ``str`` is (Cython's ``str`` arguments would refuse it)."""
    if type(value) is str:
        return <str>value
    if isinstance(value, str):
        return str.__str__(value)
    raise errors.ERR_INVALID_ARG_TYPE(name, 'string', value)


cdef int parse_ip(object ip, int port, uv.sockaddr_storage* addr) except -1:
    """Fill ``addr`` from an IP literal; returns its family."""
    cdef bytes raw = exact_str(ip, 'ip').encode('ascii', 'replace')
    if uv.uv_ip4_addr(raw, port, <uv.sockaddr_in*>addr) == 0:
        return uv.AF_INET
    if uv.uv_ip6_addr(raw, port, <uv.sockaddr_in6*>addr) == 0:
        return uv.AF_INET6
    raise errors.ERR_INVALID_IP_ADDRESS(ip)


cdef object sockaddr_to_tuple(uv.sockaddr* addr):
    """(address, port, 'IPv4'|'IPv6') of an inet sockaddr, else None."""
    cdef char name[64]
    if addr.sa_family == uv.AF_INET:
        uv.uv_ip4_name(<uv.sockaddr_in*>addr, name, sizeof(name))
        return (name.decode(), uv.ntohs((<uv.sockaddr_in*>addr).sin_port), 'IPv4')
    if addr.sa_family == uv.AF_INET6:
        uv.uv_ip6_name(<uv.sockaddr_in6*>addr, name, sizeof(name))
        return (name.decode(), uv.ntohs((<uv.sockaddr_in6*>addr).sin6_port), 'IPv6')
    return None


def tcp_bind(Handle owner, object ip, int port, bint ipv6_only=False, bint reuse_port=False):
    """Bind ``owner``'s TCP handle (made now if it has none) to ``ip``:``port``;
    0 or a libuv error code."""
    cdef uv.sockaddr_storage addr
    cdef int family = parse_ip(ip, port, &addr)
    cdef unsigned int flags = 0
    cdef int r
    if owner.handle == NULL:
        tcp_init(owner, family)
    if ipv6_only and family == uv.AF_INET6:
        flags |= uv.UV_TCP_IPV6ONLY
    if reuse_port:
        if uv.PYUVNET_HAVE_TCP_REUSEPORT:
            flags |= uv.UV_TCP_REUSEPORT
        else:
            r = uv.pyuvnet_set_reuseport(<uv.uv_tcp_t*>owner.handle)
            if r < 0:
                return r
    return uv.pyuvnet_tcp_bind(<uv.uv_tcp_t*>owner.handle, <uv.sockaddr*>&addr, flags)


def tcp_open(Handle owner, uv.uv_os_sock_t fd):
    """Wrap an existing socket fd; 0 or a libuv error code."""
    tcp_init(owner)
    return uv.uv_tcp_open(<uv.uv_tcp_t*>owner.handle, fd)


cdef class ConnectRequest:
    """One uv_connect_t; holds its Stream until the callback."""
    cdef uv.uv_connect_t req
    cdef Stream stream


def tcp_connect(Stream stream, object ip, int port):
    """Start connecting (creating the handle if needed);
    ``stream._on_connect(status)`` follows.  Returns 0 or a libuv error."""
    cdef uv.sockaddr_storage addr
    cdef int family = parse_ip(ip, port, &addr)
    cdef ConnectRequest cr
    cdef int r
    if stream.handle != NULL and uv.uv_is_closing(stream.handle):
        raise errors.ERR_SOCKET_CLOSED()
    if stream.handle == NULL:
        tcp_init(stream, family)
    cr = ConnectRequest.__new__(ConnectRequest)
    cr.stream = stream
    r = uv.uv_tcp_connect(&cr.req, <uv.uv_tcp_t*>stream.handle, <uv.sockaddr*>&addr, <uv.uv_connect_cb><void*>connect_done)
    if r < 0:
        return r
    cr.req.data = <void*>cr
    Py_INCREF(cr)
    stream.loop.io_changed()
    return 0


cdef void connect_done(uv.uv_connect_t* req, int status) noexcept:
    # A loop callback (see loop/loop.pyx, "The GIL"): takes the GIL first.
    take_gil_after_reads(req.handle.loop)
    connect_done_with_gil(req, status)


cdef void connect_done_with_gil(uv.uv_connect_t* req, int status) noexcept:
    cdef ConnectRequest cr = <ConnectRequest>req.data
    cdef Stream stream = cr.stream
    Py_DECREF(cr)
    if <void*>stream.handle != <void*>req.handle:
        # An abandoned attempt (Happy Eyeballs moved on): not this socket's.
        return
    try:
        if status == 0:
            stream.connected = True
            stream.connecting = False
        stream._on_connect(status)
    except BaseException as exc:
        stream.loop.report(exc)
    stream.loop.after_callback()


def tcp_nodelay(Handle owner, bint enable):
    return uv.uv_tcp_nodelay(<uv.uv_tcp_t*>owner.handle, enable)


def tcp_keepalive(Handle owner, bint enable, unsigned int idle=0, unsigned int interval=0,
                  unsigned int count=0):
    """SO_KEEPALIVE, and (when enabling) each probe timing above 0: idle
    and interval in whole seconds, count in probes; 0 leaves the system's
    value.  0 or a libuv error code."""
    return uv.pyuvnet_tcp_keepalive(<uv.uv_tcp_t*>owner.handle, enable, idle, interval, count)


def tcp_set_tos(Handle owner, int tos):
    """Set the TOS byte (IPv4) or Traffic Class (IPv6); 0 or an error code."""
    return uv.pyuvnet_tcp_set_tos(<uv.uv_tcp_t*>owner.handle, tos)


def tcp_get_tos(Handle owner):
    """The TOS byte or Traffic Class now set, or a negative error code."""
    return uv.pyuvnet_tcp_get_tos(<uv.uv_tcp_t*>owner.handle)


cdef object tcp_name(Handle owner, bint peer):
    cdef uv.sockaddr_storage addr
    cdef int size = sizeof(addr)
    cdef int r
    if not owner.is_open():
        return None
    if peer:
        r = uv.uv_tcp_getpeername(<uv.uv_tcp_t*>owner.handle, <uv.sockaddr*>&addr, &size)
    else:
        r = uv.uv_tcp_getsockname(<uv.uv_tcp_t*>owner.handle, <uv.sockaddr*>&addr, &size)
    return None if r < 0 else sockaddr_to_tuple(<uv.sockaddr*>&addr)


def tcp_sockname(Handle owner):
    """(address, port, family) this handle is bound to, or None."""
    return tcp_name(owner, False)


def tcp_peername(Handle owner):
    """(address, port, family) of the peer, or None."""
    return tcp_name(owner, True)


def tcp_close_reset(Stream stream):
    """Close with RST instead of FIN (the peer sees ECONNRESET)."""
    cdef int r
    if stream.is_open():
        stream.hold()
        r = uv.uv_tcp_close_reset(<uv.uv_tcp_t*>stream.handle, <uv.uv_close_cb><void*>owner_handle_closed)
        if r < 0:
            stream.let_go()
            stream.close_handle()
        else:
            stream.loop.wake()


def handle_fileno(Handle owner):
    cdef uv.uv_os_fd_t fd
    if owner.is_open() and uv.uv_fileno(owner.handle, &fd) == 0:
        return <intptr_t>fd
    return -1


def handle_type(Handle owner):
    """'tcp', 'pipe' or None."""
    if owner.handle == NULL:
        return None
    if owner.handle.type == uv.UV_TCP:
        return 'tcp'
    if owner.handle.type == uv.UV_NAMED_PIPE:
        return 'pipe'
    return None
