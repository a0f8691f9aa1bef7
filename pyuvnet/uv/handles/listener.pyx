# Listener: a listening handle; accept and backlog.  ServerCore: the C base
# of net.Server, which counts its connections and sets each one up.


cdef tuple NO_ARGS = ()


cdef extern from *:
    """
    /* A type's tp_new, its result as a bare pointer (NULL: the exception
       is set), so that new_socket resets accepting_loop before an error
       propagates without a try block (which saves and restores the
       exception state on every connection). */
    static PyObject* pyuvnet_tp_new_raw(PyTypeObject* type, PyObject* args) {
        return type->tp_new(type, args, NULL);
    }
    static PyObject* pyuvnet_owned(PyObject* o) {
        return o;
    }
    """
    PyObject* tp_new_raw "pyuvnet_tp_new_raw" (PyTypeObject* type, PyObject* args)
    # The reference ``made`` holds, as an object (NULL: raises the error set).
    object owned "pyuvnet_owned" (PyObject* made)


cdef class ServerCore(EventEmitter):
    """The C half of a Server (pyuvnet/net/_server.py): what runs per accepted
    connection.  The server's socket options are read once (``_set_accept_
    options``, from its constructor); each connection is then counted, set
    up and handed to the 'connection' listeners without a Python frame of
    pyuvnet's own.  A connection leaves the count in its destroy()
    (``connection_closed``), as in Node's _destroy."""

    cdef public object _handle          # the Listener (or a cluster worker's stand-in)
    cdef public Py_ssize_t _connections
    cdef public bint _closing           # close() was called, 'close' is still to come
    cdef public object _max_connections
    cdef object socket_class            # what an accepted connection is made as
    cdef object block_list
    cdef Py_ssize_t high_water_mark     # -1: the default
    cdef bint allow_half_open, no_delay, keep_alive, pause_on_connect
    cdef object keep_alive_delay
    # The sole plain 'connection' listener (createServer's), or None: kept
    # by _listeners_changed, so that no connection looks it up.
    cdef object connection_listener

    def _set_accept_options(self, socket_class, options):
        """Read the server's options (normalised) for its connections: once,
        not per connection."""
        self.socket_class = socket_class
        self.block_list = options.get('blockList')
        self.high_water_mark = options.get('highWaterMark', -1)
        self.allow_half_open = bool(options.get('allowHalfOpen'))
        self.no_delay = bool(options.get('noDelay'))
        self.keep_alive = bool(options.get('keepAlive'))
        self.keep_alive_delay = options.get('keepAliveInitialDelay', 0)
        self.pause_on_connect = bool(options.get('pauseOnConnect'))

    cdef void _listeners_changed(self, object event):
        # A server's listeners change seldom: no test of which event.
        self.connection_listener = self._sole_listener('connection')

    def _new_socket(self):
        """An unconnected socket of the server's class, made without its
        constructor (no option parsing): the connection's setup is
        ``_on_connection``'s."""
        return self.new_socket()

    cdef Stream new_socket(self, Loop loop=None):
        # The class's own tp_new (Stream's, unless it defines __new__),
        # called as C: no __init__, no argument parsing.  Given the loop it
        # is for, Stream's tp_new takes it (accepting_loop): no Python code
        # runs there, unlike in a __new__ of the class's own.
        global accepting_loop
        cdef PyTypeObject* cls = <PyTypeObject*>self.socket_class
        cdef PyObject* made
        if loop is None or cls.tp_new != (<PyTypeObject*>Stream).tp_new:
            return <Stream?>cls.tp_new(self.socket_class, <PyObject*>NO_ARGS, NULL)
        accepting_loop = loop
        made = tp_new_raw(cls, <PyObject*>NO_ARGS)
        accepting_loop = None
        return <Stream>owned(made)

    def _on_connection(self, Stream sock):
        """Take the connected ``sock`` as a new connection (the Listener, or
        a cluster worker given it by the primary)."""
        self.accept_connection(sock)

    cdef int accept_connection(self, Stream sock) except -1:
        cdef object listener
        cdef bint tcp = sock.handle.type == uv.UV_TCP
        if self.block_list is not None and tcp and self._blocked(sock):
            return 0
        if self._max_connections is not None and self._connections >= self._max_connections:
            self._drop(sock)
            return 0
        sock._server = self
        sock.counted_by = self
        self._connections += 1
        if self.allow_half_open:
            sock._allow_half_open = True
        if self.high_water_mark >= 0:
            sock.read_hwm = sock.write_hwm = self.high_water_mark
        if self.no_delay and tcp:
            # What setNoDelay(True) does to a connected socket.
            uv.uv_tcp_nodelay(<uv.uv_tcp_t*>sock.handle, 1)
        if self.keep_alive:
            sock.setKeepAlive(True, self.keep_alive_delay)
        if self.pause_on_connect:
            # Node: nothing is read until the user resumes.
            sock.flowing = 0
        else:
            sock.start_reading()
        # A sole plain listener (createServer's) is called as the 'data'
        # listeners are, without an argument tuple.
        listener = self.connection_listener
        if listener is None:
            self._emit('connection', (sock,))
        elif call_one(<PyObject*>listener, <PyObject*>sock) < 0:
            return -1
        return 0

    cdef void connection_closed(self):
        self._connections -= 1
        if self._closing:
            self.emit_close_if_drained()

    def _emit_close_if_drained(self):
        self.emit_close_if_drained()

    cdef void emit_close_if_drained(self):
        if self._handle is None and self._connections == 0 and self._closing:
            self._closing = False
            current_loop().call_soon(self.emit, ('close',))


cdef class Listener(Handle):
    """The handle a Server listens on.

    For each incoming connection it makes an unconnected socket of the
    server's class, accepts into a handle of its own kind and passes the
    connected socket to the server (``ServerCore.accept_connection``).  A
    failed accept or listen status goes to the server's
    ``_on_accept_error(code)``.  While listening the Listener holds itself
    alive.
    """

    cdef ServerCore server
    cdef bint making_socket     # accept() makes the socket and its handle

    def __init__(self, ServerCore server):
        self.server = server

    def __dealloc__(self):
        close_orphaned(self)

    def listen(self, int backlog):
        """Start listening; 0 or a libuv error code."""
        cdef int r = uv.uv_listen(<uv.uv_stream_t*>self.handle, backlog, <uv.uv_connection_cb><void*>listener_connection)
        if r == 0:
            self.hold()
            self.loop.io_changed()
        return r

    def close(self):
        self.close_handle()

    cdef int accept(self) except -1:
        # Raising while making_socket, it leaves the connection pending:
        # its caller refuses it (refuse_pending).
        cdef Stream sock
        cdef int r
        self.making_socket = True
        sock = self.server.new_socket(self.loop)
        if self.handle.type == uv.UV_TCP:
            tcp_init(sock)
        else:
            pipe_init(sock)
        self.making_socket = False
        r = uv.uv_accept(<uv.uv_stream_t*>self.handle, <uv.uv_stream_t*>sock.handle)
        if r < 0:
            sock.close_handle()
            self.server._on_accept_error(r)
            return 0
        sock.connected = True
        self.server.accept_connection(sock)
        return 0

    cdef void refuse_pending(self) noexcept:
        """Accept the pending connection into a handle of our own and close
        it.  libuv stops watching a listener whose connection callback left
        its connection unaccepted, so without this one failed accept (an
        exception making the socket) would end all later ones."""
        cdef uv.uv_handle_type kind = self.handle.type
        cdef uv.uv_handle_t* peer = <uv.uv_handle_t*>PyMem_RawMalloc(uv.uv_handle_size(kind))
        if peer == NULL:
            return
        if kind == uv.UV_TCP:
            uv.uv_tcp_init(self.loop.uvloop, <uv.uv_tcp_t*>peer)
        else:
            uv.uv_pipe_init(self.loop.uvloop, <uv.uv_pipe_t*>peer, 0)
        peer.data = NULL
        uv.uv_accept(<uv.uv_stream_t*>self.handle, <uv.uv_stream_t*>peer)
        uv.uv_close(peer, free_closed_handle)


cdef void listener_connection(uv.uv_stream_t* server, int status) noexcept:
    # A loop callback (see loop/loop.pyx, "The GIL"): takes the GIL first.
    take_gil_after_reads(server.loop)
    connection_with_gil(server, status)


# accept() called as a C function that does not check for an exception:
# connection_with_gil tests its -1 (the exception set) itself.  A try block
# would save and restore the thread's exception state for every connection.
ctypedef int (*accept_fn)(Listener listener) noexcept
cdef accept_fn unchecked_accept = <accept_fn>Listener.accept


cdef void connection_with_gil(uv.uv_stream_t* server, int status) noexcept:
    cdef Listener listener = <Listener>server.data
    if status < 0:
        try:
            listener.server._on_accept_error(status)
        except BaseException as exc:
            listener.loop.report(exc)
    elif unchecked_accept(listener) < 0:
        if listener.making_socket:
            # Without it libuv stops watching the listener (refuse_pending).
            listener.making_socket = False
            listener.refuse_pending()
        report_raised(listener.loop)
    listener.loop.after_callback()
