# What destroy() does to a Stream's writes (StreamWrites,
# uv/stream/writable.pyx): those gathered this turn get one last non-blocking
# write, and the callbacks of what did not leave are called back with
# destroy()'s error, in Node's order.  Node has one write in flight at a time
# and buffers the rest; when that write's request is cancelled by the close,
# its callback gets null and the buffered ones the error (afterWrite ->
# errorBuffer), all before 'close'.  With nothing in flight, the buffered ones
# are errored on the next tick.
#
# Which of the write requests libuv still holds are Node's write in flight: the
# first, when it was sent with none ahead of it; after a request's callback,
# all those sent behind it (Node's clearBuffer hands what it buffered meanwhile
# to the kernel as one writev).  The rest hold writes Node would still buffer.
# StreamWrites.reqs_in_flight counts them (uv/stream/write_requests.pyx keeps
# it).


cdef int discard_writes(StreamWrites stream, object error) except -1:
    """Drop the writes not yet handed to libuv (destroy(error)).  Node hands
    each write to libuv at once, so data written before destroy() still
    leaves if the kernel takes it without waiting; the same is done here
    with one non-blocking write, and the rest is dropped.  Callbacks get
    None (sent) or the error: ``error``, else ERR_STREAM_DESTROYED (while
    connecting, the first ERR_SOCKET_CLOSED_BEFORE_CONNECTION and the rest
    ``error`` or that same error, as Node's errored state).  On the next
    tick, or, behind a write request libuv still holds, once the last such
    request has called back (fail_dropped_writes)."""
    cdef list buffers, callbacks
    cdef Py_ssize_t sent = 0, size
    send_owed(stream)    # (Node's write() had handed it to the kernel)
    buffers = stream.write_queue
    callbacks = stream.write_callbacks
    stream.write_queue = None
    stream.write_callbacks = None
    stream.queued_callbacks = 0
    if (buffers and stream.write_reqs == 0 and stream.connected and stream.is_open()
            and not stream.corked):
        sent = max(0, send_buffers(stream, buffers, callbacks, stream.queued_bytes, False))
    stream.queued_bytes = 0
    if buffers is not None and not buffers:
        # Sent in full (flush() kept it) and no WriteRequest holds it.
        keep_spare_queue(buffers)
    if stream.write_reqs:
        # Nothing was sent: the callbacks wait for the requests ahead, and
        # the requests behind Node's write in flight get ``error`` too
        # (write_request_after_close).
        stream.dropped = (error, callbacks if buffers else None)
        return 0
    if not buffers or callbacks is None:
        return 0    # the common case: no callback waits, no error to build
    first_err = err = error if error is not None else errors.ERR_STREAM_DESTROYED('write')
    if stream.connecting and not stream.connected:
        first_err = errors.ERR_SOCKET_CLOSED_BEFORE_CONNECTION()
        if error is None:
            err = first_err
    for data, cb in zip(buffers, callbacks):
        size = PyBytes_GET_SIZE(data)
        if cb is not None:
            stream.loop.call_soon(cb, (None if sent >= size else first_err,))
        first_err = err
        sent -= size
    return 0


cdef object dropped_write_error(StreamWrites stream):
    """What a write destroy() dropped calls back with."""
    if stream.dropped is not None and stream.dropped[0] is not None:
        return stream.dropped[0]
    return errors.ERR_STREAM_DESTROYED('write')


cdef void fail_dropped_writes(StreamWrites stream):
    """The last write request libuv held has called back (cancelled by the
    close, or done just before it): the writes destroy() dropped behind it
    get their error now, before 'close' (the handle's close callback)."""
    cdef object callbacks = stream.dropped[1]
    cdef object err = None
    if callbacks is not None:
        err = dropped_write_error(stream)
    stream.dropped = None
    if callbacks is not None:
        call_write_callbacks(stream, <list>callbacks, err)


cdef void write_request_after_close(StreamWrites stream, WriteRequest wr, int status):
    """A write request calls back after destroy() (or a close under it):
    cancelled, or done before the close and called back after it.  As
    Node's onWriteComplete, never 'drain' nor the socket's 'error'.  The
    writes of Node's write in flight call back with None (they partly or
    wholly left), those Node would still have buffered with the error,
    unless libuv had sent them all (status 0: their data left)."""
    cdef list callbacks = wr.callbacks
    cdef Py_ssize_t lead = 0        # how many call back with None
    if stream.reqs_in_flight > 0:
        stream.reqs_in_flight -= 1
        lead = wr.lead_writes
    if callbacks is None:
        return
    if status == 0 or lead >= len(callbacks):
        call_write_callbacks(stream, callbacks, None)
        return
    if lead:
        call_write_callbacks(stream, callbacks[:lead], None)
    call_write_callbacks(stream, callbacks[lead:], dropped_write_error(stream))
