# Sending a Stream's gathered writes: one vectored uv_try_write, and a
# WriteRequest (one uv_write) for what the kernel did not take at once;
# and our FIN's uv_shutdown, sent after them (send_fin, start_fin), and its
# callback.
#
# Ownership: send_buffers() gives the WriteRequest a reference to itself
# (Py_INCREF) only once uv_write accepted it; libuv then owns it until
# stream_write_done, which drops that reference after taking what it needs,
# exactly once per request (UV_ECANCELED when the handle closes first).
# The request holds the Stream and the written ``bytes`` (the buffers libuv
# points into) and the write callbacks, so all stay alive until then.  A
# queue list handed to a WriteRequest is never reused by the Stream.

cdef enum:
    STACK_BUFS = 16                # vectored writes up to this many need no malloc


cdef class WriteRequest:
    """One uv_write: keeps its buffers and callbacks alive until libuv is
    done with them; its callback runs exactly once (UV_ECANCELED on close)."""

    cdef uv.uv_write_t req
    cdef StreamWrites stream
    cdef list buffers
    cdef list callbacks
    cdef Py_ssize_t nbytes
    # Its first writes that are Node's write in flight once the request is
    # (uv/stream/discarded_writes.pyx): sent with none ahead, the first, or
    # those uncork() released together; sent behind another, all of them (Node
    # buffered them, then hands them on as one writev).  Node would still
    # buffer the rest.
    cdef Py_ssize_t lead_writes


cdef Py_ssize_t send_buffers(StreamWrites stream, list buffers, list callbacks,
                             Py_ssize_t nbytes, bint queue_rest=True,
                             Py_ssize_t skip=0) except? -1:
    """try_write all of ``buffers``; queue the rest with uv_write (unless
    ``queue_rest`` is false).  Returns the bytes written at once, or a
    negative libuv error.  ``skip``: the kernel has just taken that much of
    the first buffer and no more (``nbytes`` is what is left): straight to
    uv_write with the rest."""
    cdef uv.uv_buf_t stack_bufs[STACK_BUFS]
    cdef uv.uv_buf_t* bufs = stack_bufs
    cdef Py_ssize_t n = len(buffers), i
    cdef bytes data
    if n > STACK_BUFS:
        bufs = <uv.uv_buf_t*>PyMem_RawMalloc(n * sizeof(uv.uv_buf_t))
        if bufs == NULL:
            raise MemoryError()
    try:
        for i in range(n):
            data = <bytes>buffers[i]
            bufs[i].base = PyBytes_AS_STRING(data)
            bufs[i].len = PyBytes_GET_SIZE(data)
        return send_bufs(stream, bufs, n, buffers, callbacks, nbytes, queue_rest, skip)
    finally:
        if bufs != stack_bufs:
            PyMem_RawFree(bufs)


cdef Py_ssize_t send_bufs(StreamWrites stream, uv.uv_buf_t* bufs, Py_ssize_t n, list buffers,
                          list callbacks, Py_ssize_t nbytes, bint queue_rest=True,
                          Py_ssize_t skip=0) except? -1:
    """send_buffers() of ``n`` buffers already laid out in ``bufs`` (which
    it may change), whose memory ``buffers`` keeps alive: the WriteRequest
    holds that list until libuv is done (uv/http2/data_send.pyx points
    them into slices of the bytes it keeps)."""
    cdef Py_ssize_t first = 0, written = 0, r
    cdef uv.uv_stream_t* handle = <uv.uv_stream_t*>stream.handle
    cdef WriteRequest wr
    if skip:
        bufs[0].base += skip
        bufs[0].len -= skip
    elif stream.write_reqs == 0:
        r = uv.uv_try_write(handle, bufs, <unsigned int>n)
        if r >= 0:
            written = r
        elif r != uv.UV_EAGAIN and r != uv.UV_ENOSYS:
            return r
    if (written == nbytes and (nbytes or stream.write_reqs == 0)) or not queue_rest:
        return written
    # Skip what the kernel took; the rest goes to libuv's queue.  An empty
    # write behind a request libuv still holds goes there too, as one
    # empty buffer: its callback then follows that request's, as Node's
    # follows the write ahead of it (take_writes' write in flight).
    r = written
    while first < n - 1 and <Py_ssize_t>bufs[first].len <= r:
        r -= bufs[first].len
        first += 1
    bufs[first].base += r
    bufs[first].len -= r
    wr = WriteRequest.__new__(WriteRequest)
    wr.stream = stream
    wr.buffers = buffers
    wr.callbacks = callbacks
    # A buffer the kernel took part of counts whole until the request
    # is done (writableLength as Node's); skipped bytes are part of it.
    wr.nbytes = nbytes - written + r + skip
    r = uv.uv_write(&wr.req, handle, bufs + first, <unsigned int>(n - first), <uv.uv_write_cb><void*>stream_write_done)
    if r < 0:
        return r
    stream.loop.io_changed()
    wr.req.data = <void*>wr
    Py_INCREF(wr)
    stream.inflight_bytes -= nbytes - wr.nbytes + skip
    stream.write_reqs += 1
    wr.lead_writes = n - first
    if stream.write_reqs == 1:
        stream.reqs_in_flight = 1
        wr.lead_writes = max(1, stream.uncorked_writes - first)
    if first and callbacks is not None:
        # The writes the kernel took whole are done: their callbacks
        # run now, not with the request's (as Node's, where each was
        # handed to the kernel alone and called back at once).
        wr.callbacks = callbacks[first:]
        del callbacks[first:]
        call_write_callbacks(stream, callbacks, None)
    return written


cdef void stream_write_done(uv.uv_write_t* req, int status) noexcept:
    # A loop callback (see loop/loop.pyx, "The GIL"): takes the GIL first.
    take_gil_after_reads(req.handle.loop)
    write_done_with_gil(req, status)


cdef void write_done_with_gil(uv.uv_write_t* req, int status) noexcept:
    cdef WriteRequest wr = <WriteRequest>req.data
    cdef StreamWrites stream = wr.stream
    Py_DECREF(wr)
    stream.write_reqs -= 1
    stream.inflight_bytes -= wr.nbytes
    if status == uv.UV_ECANCELED or stream.dropped is not None:
        write_request_after_close(stream, wr, status)
    else:
        # Node hands what it buffered meanwhile to the kernel now, as one
        # writev (clearBuffer): the requests sent behind this one.
        stream.reqs_in_flight = stream.write_reqs if status == 0 else 0
        stream.write_done(wr.callbacks, status)
    if stream.dropped is not None and stream.write_reqs == 0:
        fail_dropped_writes(stream)
    stream.loop.after_callback()


# Ownership: start_fin() gives the uv_shutdown_t (the room in the
# handle's block, else a malloc'ed one) a reference to the stream
# (Py_INCREF) once uv_shutdown accepted it; the callback, which libuv runs
# exactly once (UV_ECANCELED when the handle closes first, before its close
# callback), frees or releases the request and drops that reference.
cdef void stream_shutdown_done(uv.uv_shutdown_t* req, int status) noexcept:
    # A loop callback (see loop/loop.pyx, "The GIL"): takes the GIL first.
    take_gil_after_reads(req.handle.loop)
    shutdown_done_with_gil(req, status)


cdef int finish_step(object stream) except -1:
    return (<StreamWrites>stream).emit_finish()


cdef unchecked_step unchecked_finish = <unchecked_step>finish_step


cdef void shutdown_done_with_gil(uv.uv_shutdown_t* req, int status) noexcept:
    cdef StreamWrites stream = <StreamWrites>req.data
    cdef fin_request* fin = <fin_request*>req
    if fin.in_room:
        fin.busy = False
    else:
        PyMem_RawFree(fin)
    Py_DECREF(stream)
    if unchecked_finish(stream) < 0:
        report_raised(stream.loop)
    stream.loop.after_callback()


cdef void send_fin(StreamWrites s):
    """Our FIN now (start_fin); 'finish' at once if libuv refused it."""
    s.shutdown_sent = True
    if start_fin(s) < 0:
        s.emit_finish()


cdef int start_fin(StreamWrites s) noexcept:
    """uv_shutdown (our FIN after what libuv still has to write); 0,
    or a libuv error (nothing started then)."""
    cdef fin_request* fin = s.fin_room
    cdef int r
    if fin == NULL or fin.busy:
        fin = <fin_request*>PyMem_RawMalloc(sizeof(fin_request))
        if fin == NULL:
            return uv.UV_ENOMEM
        fin.in_room = False
    r = uv.uv_shutdown(&fin.req, <uv.uv_stream_t*>s.handle, <uv.uv_shutdown_cb><void*>stream_shutdown_done)
    if r < 0:
        if not fin.in_room:
            PyMem_RawFree(fin)
        return r
    fin.busy = True
    s.shutdown_sent = True
    fin.req.data = <void*>s
    Py_INCREF(s)
    s.loop.io_changed()
    return 0
