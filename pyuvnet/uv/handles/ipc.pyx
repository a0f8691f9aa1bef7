# IpcPipe: the C half of a child_process IPC channel, a uv_pipe_t opened
# with ipc=1 over one end of a socketpair.  Bytes go both ways as on any
# pipe; a write may carry a TCP or pipe handle (uv_write2, SCM_RIGHTS) and
# a read may bring handles, which libuv keeps as "pending" until accepted.
#
# Ownership rules:
# - The pipe handle is malloc'ed by ``open()``; from then until its close
#   callback the IpcPipe holds itself (reads may come at any time).  The
#   close callback (Handle's) frees it.
# - Each write is an IpcWrite object whose uv_write_t is inside it: the
#   object holds the bytes and the handle being sent, and is kept alive by
#   one reference from submission to ``ipc_write_done``, which libuv calls
#   exactly once (UV_ECANCELED when the pipe closes first).
# - A received fd is accepted into a temporary handle, duplicated for the
#   Python side (which wraps it in a Server or Socket, or closes it),
#   and the temporary handle is closed with ``data = NULL`` so that
#   free_closed_handle frees it.
#
# Callbacks into the Python owner (pyuvnet.child_process._ipc_channel.Channel):
#   on_read(chunk, handles)   bytes read, with [(kind, fd), ...] received
#                             with them (the fds sent with this read's bytes)
#   on_end(status)            EOF or a read error; reading has stopped
#   a queued write's callback(status), from libuv's write callback


cdef class IpcPipe(Handle):
    """A uv_pipe_t in IPC mode over an inherited or socketpair fd."""

    cdef object on_read
    cdef object on_end
    cdef bint reading
    cdef readonly int pending_writes

    def __init__(self, on_read, on_end):
        self.on_read = on_read
        self.on_end = on_end

    def __dealloc__(self):
        close_orphaned(self)

    def open(self, int fd):
        """Take over ``fd`` (a unix socket); 0 or a libuv error code."""
        cdef uv.uv_loop_t* uvloop = self.loop.live()     # before anything is allocated
        cdef uv.uv_pipe_t* pipe = <uv.uv_pipe_t*>PyMem_Malloc(uv.uv_handle_size(uv.UV_NAMED_PIPE))
        cdef int r
        if pipe == NULL:
            raise MemoryError()
        r = uv.uv_pipe_init(uvloop, pipe, 1)
        if r < 0:
            PyMem_Free(pipe)
            return r
        self.adopt(<uv.uv_handle_t*>pipe)
        self.hold()
        r = uv.uv_pipe_open(pipe, fd)
        if r < 0:
            self.close_handle()
        return r

    def read_start(self):
        cdef int r = 0
        if not self.reading and self.is_open():
            r = uv.uv_read_start(<uv.uv_stream_t*>self.handle, stream_alloc, ipc_read)
            if r == 0:
                self.reading = True
                self.loop.io_changed()
        return r

    def read_stop(self):
        if self.reading:
            self.reading = False
            uv.uv_read_stop(<uv.uv_stream_t*>self.handle)

    @property
    def write_queue_size(self):
        """Bytes libuv still has to write."""
        if not self.is_open():
            return 0
        return uv.uv_stream_get_write_queue_size(<uv.uv_stream_t*>self.handle)

    def write(self, bytes data, Handle send_handle=None, callback=None):
        """Send ``data`` (with ``send_handle``'s socket when given).
        Returns 1 when it left at once (no callback comes), 0 when a write
        request was queued (``callback(status)`` follows from libuv), or a
        libuv error (no callback comes)."""
        cdef uv.uv_buf_t buf
        cdef IpcWrite wr
        cdef size_t written = 0      # compared with buf.len, a size_t
        cdef int r
        if not self.is_open():
            return uv.UV_EBADF
        buf.base = PyBytes_AS_STRING(data)
        buf.len = PyBytes_GET_SIZE(data)
        if send_handle is None and self.pending_writes == 0:
            # The common case leaves at once, with no request at all.
            r = uv.uv_try_write(<uv.uv_stream_t*>self.handle, &buf, 1)
            if r >= 0:
                written = <size_t>r
            elif r != uv.UV_EAGAIN:
                return r
            if written == buf.len:
                return 1
            buf.base += written
            buf.len -= written
        if send_handle is not None and not send_handle.is_open():
            return uv.UV_EBADF
        wr = IpcWrite.__new__(IpcWrite)
        wr.pipe = self
        wr.data = data
        wr.send_handle = send_handle
        wr.callback = callback
        if send_handle is None:
            r = uv.uv_write(&wr.req, <uv.uv_stream_t*>self.handle, &buf, 1, ipc_write_done)
        else:
            r = uv.uv_write2(&wr.req, <uv.uv_stream_t*>self.handle, &buf, 1,
                             <uv.uv_stream_t*>send_handle.handle, ipc_write_done)
        if r < 0:
            return r
        wr.req.data = <void*>wr
        Py_INCREF(wr)
        self.pending_writes += 1
        self.loop.io_changed()
        return 0

    def close(self):
        self.read_stop()
        self.close_handle()

    cdef list take_pending(self):
        """Accept every fd that arrived with this read, as [(kind, fd)]
        with fds of our own (None for one this process had no fd left
        for); kind is 'tcp', 'pipe', 'udp' or 'other'.
        Every one is taken, whatever its type: one left pending would stay
        at the head of libuv's queue and every later fd would be read with
        the wrong message."""
        cdef list received = []
        cdef uv.uv_pipe_t* pipe = <uv.uv_pipe_t*>self.handle
        cdef uv.uv_handle_type kind
        cdef uv.uv_pipe_t* tmp
        cdef uv.uv_os_fd_t fd
        cdef int r
        while uv.uv_pipe_pending_count(pipe) > 0:
            kind = uv.uv_pipe_pending_type(pipe)
            # A pipe handle takes an fd of any type (uv_accept only sets it
            # as the handle's fd); closing it closes the fd after the dup.
            tmp = <uv.uv_pipe_t*>PyMem_RawMalloc(uv.uv_handle_size(uv.UV_NAMED_PIPE))
            if tmp == NULL:
                raise MemoryError()
            uv.uv_pipe_init(self.loop.uvloop, tmp, 0)
            tmp.data = NULL
            r = uv.uv_accept(<uv.uv_stream_t*>pipe, <uv.uv_stream_t*>tmp)
            if r == 0 and uv.uv_fileno(<uv.uv_handle_t*>tmp, &fd) == 0:
                try:
                    received.append((PENDING_KINDS.get(kind, 'other'), os.dup(fd)))
                except OSError:
                    # Out of fds (EMFILE): it came but cannot be kept, fd
                    # None (closing tmp closes the one received).
                    received.append((PENDING_KINDS.get(kind, 'other'), None))
            # (A failed uv_accept has closed the fd and moved to the next.)
            uv.uv_close(<uv.uv_handle_t*>tmp, free_closed_handle)
        return received


PENDING_KINDS = {uv.UV_TCP: 'tcp', uv.UV_NAMED_PIPE: 'pipe', uv.UV_UDP: 'udp'}


cdef class IpcWrite:
    cdef uv.uv_write_t req
    cdef IpcPipe pipe
    cdef bytes data
    cdef Handle send_handle
    cdef object callback


cdef void ipc_write_done(uv.uv_write_t* req, int status) noexcept with gil:
    cdef IpcWrite wr = <IpcWrite>req.data
    Py_DECREF(wr)
    wr.pipe.pending_writes -= 1
    try:
        if wr.callback is not None:
            wr.callback(status)
    except BaseException as exc:
        wr.pipe.loop.report(exc)
    wr.pipe.loop.after_callback()


cdef void ipc_read(uv.uv_stream_t* handle, ssize_t nread,
                   const uv.uv_buf_t* buf) noexcept with gil:
    cdef IpcPipe pipe = <IpcPipe>handle.data
    try:
        if nread > 0:
            chunk = uv.pyuvnet_bytes_copy(buf.base, nread)
            pipe.on_read(chunk, pipe.take_pending())
        elif nread < 0:
            pipe.read_stop()
            pipe.on_end(nread)
    except BaseException as exc:
        pipe.loop.report(exc)
    pipe.loop.after_callback()


def stream_stop_reading(Stream stream):
    """Stop reading ``stream`` before its connection is handed to another
    process: what this process read would never reach the receiver."""
    stream.stop_reading()
