# Listener: a listening stream handle (TCP or pipe); accept and backlog.


cdef class Listener(Handle):
    """The handle a Server listens on.

    For each incoming connection it makes an unconnected socket with
    ``new_socket()`` (a Stream), accepts into a handle of its own kind and
    passes the connected socket to ``on_connection(socket)``.  A failed
    accept or listen status goes to ``on_error(code)``.  While listening
    the Listener holds itself alive.
    """

    cdef object new_socket
    cdef object on_connection
    cdef object on_error

    def __init__(self, new_socket, on_connection, on_error):
        self.new_socket = new_socket
        self.on_connection = on_connection
        self.on_error = on_error

    def listen(self, int backlog):
        """Start listening; 0 or a libuv error code."""
        cdef int r = uv.uv_listen(<uv.uv_stream_t*>self.handle, backlog, listener_connection)
        if r == 0:
            self.hold()
            self.loop.io_changed()
        return r

    def close(self):
        self.close_handle()

    cdef int accept(self) except -1:
        cdef Stream sock
        cdef int r
        try:
            sock = <Stream?>self.new_socket()
            if self.handle.type == uv.UV_TCP:
                tcp_init(sock)
            else:
                pipe_init(sock)
        except BaseException:
            self.refuse_pending()
            raise
        r = uv.uv_accept(<uv.uv_stream_t*>self.handle, <uv.uv_stream_t*>sock.handle)
        if r < 0:
            sock.close_handle()
            self.on_error(r)
            return 0
        sock.connected = True
        self.on_connection(sock)
        return 0


    cdef void refuse_pending(self):
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


cdef void listener_connection(uv.uv_stream_t* server, int status) noexcept nogil:
    uv.pyuvnet_take_gil(server.loop)
    connection_with_gil(server, status)


cdef void connection_with_gil(uv.uv_stream_t* server, int status) noexcept with gil:
    cdef Listener listener = <Listener>server.data
    try:
        if status < 0:
            listener.on_error(status)
        else:
            listener.accept()
    except BaseException as exc:
        listener.loop.report(exc)
    listener.loop.after_callback()
