# The write sent at once, or held to the poll's end: the first write() a
# 'data' listener of a stream's own read makes (Stream.deliver sets
# ``first_of_read``), on the path of every echo.  Module-level functions
# taking the StreamWrites (uv/stream/writable.pyx), which calls them from
# write_bytes() and before anything that could tell a held write from
# Node's (send_owed); WriteFlusher (uv/loop/flush.pyx) sends the held ones
# once the loop has run the reads of its poll.  A cdef class cannot span
# files; these are all C calls.

cdef inline bint goes_first(StreamWrites s) noexcept:
    """Whether a write of ``s`` would reach the kernel before anything of
    its own: nothing queued, in flight, corked, owed 'drain' or ending,
    and a connected handle (a closing one is left to uv_try_write)."""
    return not (s.write_queue or s.write_reqs or s.corked or s.need_drain or s.ending
                or not s.connected or s.handle == NULL)


cdef inline bint defer_send(StreamWrites s, bytes data) except -1:
    """The first write of a 'data' listener of this stream's own read,
    under the high-water mark, with nothing of ours waiting to go
    first: counted as written now, offered to the kernel when the loop
    has run the reads its poll brought (WriteFlusher.send_held),
    one syscall after another, so that the listeners' Python runs
    before the kernel's work of sending evicts the caches (a loopback
    write is some 11 us in the kernel; what user space touched after it
    cost 2-3 ns per instruction).  Whatever could tell the difference
    from Node, which hands the chunk to the kernel inside write(),
    sends it first (send_owed): a later write, writableLength,
    writableNeedDrain, cork(), end(), destroy(), a flush.  The answer
    is True either way: a chunk under the mark."""
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data)
    if (n == 0 or n >= s.write_hwm or not goes_first(s) or s.loop.uvloop == NULL
            or s.loop.closing):
        return False
    s.loop.flusher.defer(s)
    s.deferred = data
    s.bytes_written += n
    if s._idle is not None:
        s.last_activity = uv.uv_now(s.loop.uvloop)
    return True


cdef inline void send_owed(StreamWrites s) noexcept:
    """A write defer_send holds goes to the kernel now."""
    if s.deferred is not None:
        send_held(s)


cdef void send_held(StreamWrites s) noexcept:
    """send_at_once of the write defer_send held, late (nothing that
    send_at_once checks has changed since: whatever would change it
    sends it first)."""
    cdef bytes data = s.deferred
    cdef uv.uv_buf_t buf
    cdef int r = uv.UV_EBADF
    if data is None:
        return
    s.deferred = None
    buf.base = PyBytes_AS_STRING(data)
    buf.len = <size_t>PyBytes_GET_SIZE(data)
    if s.handle != NULL:
        r = uv.uv_try_write(<uv.uv_stream_t*>s.handle, &buf, 1)
    if r != <int>buf.len:
        send_held_rest(s, data, r)


cdef void send_held_rest(StreamWrites s, bytes data, int sent) noexcept:
    """What the kernel did not take of a held write (``sent``: what
    uv_try_write returned) goes on as write() would have sent it."""
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data)
    try:
        if sent > 0:
            s.bytes_written -= n - sent     # counted again by send_rest
            send_rest(s, data, sent)
        elif s.is_writable_state():
            # EAGAIN or an error: queued; the flush reports an error.
            s.bytes_written -= n
            s.queue_bytes(data, None)
            s.schedule_flush()
    except BaseException as exc:
        s.loop.report(exc)


cdef inline Py_ssize_t send_at_once(StreamWrites s, bytes data) noexcept:
    """The first write() a 'data' listener of this stream's own read
    makes, handed to the kernel now (uv_try_write) while nothing of ours
    waits to go first: as Node's write() does with every chunk, so that
    writableLength is 0 again when write() returns (Node 20;
    tests/net/write/test_write_at_once.py).  An echo's answer then needs no
    queue, no flush at the end of the turn and no request.  Only the
    first: the listener's further writes are gathered into one writev,
    as writes elsewhere are.  A chunk of the high-water mark or more that
    the kernel takes whole returns True with no 'drain', as Node 20's
    write() does.  The bytes the kernel took (counted in bytesWritten),
    0 when it took none or failed: the write is then queued, and a
    failure is reported as for any queued write.  (A handle being closed
    is left to uv_try_write: uv_close gave it fd -1, which it refuses,
    and the queued write then reports the state.)"""
    cdef uv.uv_buf_t buf
    cdef int r
    buf.len = <size_t>PyBytes_GET_SIZE(data)
    if buf.len == 0 or not goes_first(s):
        return 0
    buf.base = PyBytes_AS_STRING(data)
    r = uv.uv_try_write(<uv.uv_stream_t*>s.handle, &buf, 1)
    if r <= 0:
        return 0
    s.bytes_written += r
    return r


cdef int send_rest(StreamWrites s, bytes data, Py_ssize_t sent) except -1:
    """What the kernel left of ``data`` after send_at_once took ``sent``
    bytes, handed to libuv now (a WriteRequest: in flight, pointing into
    ``data``, not a copy of 64 KiB), ahead of any later write.  If libuv
    refuses it, it is queued as any write, and the flush reports why."""
    cdef Py_ssize_t rest = PyBytes_GET_SIZE(data) - sent
    s.bytes_written += rest
    # Counted whole until the rest has left, as Node counts a chunk.
    s.inflight_bytes += PyBytes_GET_SIZE(data)
    if send_buffers(s, [data], None, rest, True, sent) < 0:
        s.inflight_bytes -= PyBytes_GET_SIZE(data)
        s.bytes_written -= rest
        s.queue_bytes(data[sent:], None)
    return 0
