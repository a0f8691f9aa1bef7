# libuv's read callbacks for a Stream (uv/stream/stream.pyx): where a read lands
# (the loop's buffer, or one its sink offers), and how it reaches the
# stream's consumer: written through by a pipe() or an echo, parsed in
# place by a sink, or cut into Node's chunks; one chunk for a Python
# listener is held until the poll has brought its other reads (holds_read,
# WriteFlusher.hold_read in uv/loop/flush.pyx).
#
# Ownership: ``handle.data`` is the Stream, which holds itself (``adopt``)
# while its handle is open, so it is alive whenever libuv reads; the buffer
# is part of the loop's struct (pyuvnet_compat.h), as long-lived, or the
# sink's, which the sink keeps until the read has been fed to it, or the
# loop's read chunk (a bytes object the loop holds until the read is
# delivered).

cdef void stream_alloc(uv.uv_handle_t* handle, size_t suggested_size,
                       uv.uv_buf_t* buf) noexcept nogil:
    # Every read of a loop lands in the loop's one buffer: read callbacks
    # copy it into bytes before libuv reads again.  (IpcPipe's reads.)
    buf.base = (<uv.pyuvnet_loop_t*>handle.loop).read_buf
    buf.len = uv.PYUVNET_CHUNK_SIZE


cdef void socket_alloc(uv.uv_handle_t* handle, size_t suggested_size,
                       uv.uv_buf_t* buf) noexcept:
    # A loop callback (see loop/loop.pyx, "The GIL"): takes the GIL first, to
    # read the Stream's state, unless the C fields say where the read lands
    # (lands_whole: most reads), which needs none.  A flowing stream reads the
    # whole buffer at once (read_with_gil cuts it into chunks); a paused
    # one a chunk's worth, so that what waits unread passes
    # readableHighWaterMark by less than a chunk, as in Node.
    # A sink that wants the read somewhere else says so (Stream.sink_buffer):
    # libuv reads, and calls stream_read, right after this returns, with
    # nothing in between that could change whether the sink is fed.
    if lands_whole(handle.data):
        # Where alloc_for would put it too, decided without the GIL.
        buf.base = (<uv.pyuvnet_loop_t*>handle.loop).read_buf
        buf.len = uv.PYUVNET_READ_BUF_SIZE
        return
    alloc_slowly(handle, buf)


# The callbacks' paths with the GIL, called through these pointers: the C
# compiler then cannot inline them into the callbacks, whose paths without
# the GIL stay small (no registers saved for the rest).
ctypedef void (*alloc_fn)(uv.uv_handle_t* handle, uv.uv_buf_t* buf) noexcept
ctypedef void (*read_fn)(uv.uv_stream_t* handle, ssize_t nread, const uv.uv_buf_t* buf,
                         Py_ssize_t taken) noexcept
# read_for, called through a pointer: not inlined into read_with_gil, whose
# held reads (most reads of a busy server) then skip its frame.
ctypedef void (*read_rest_fn)(Stream stream, uv.uv_stream_t* handle, ssize_t nread,
                              const uv.uv_buf_t* buf, Py_ssize_t taken) noexcept


cdef void alloc_with_gil(uv.uv_handle_t* handle, uv.uv_buf_t* buf) noexcept:
    uv.pyuvnet_take_gil(handle.loop)
    alloc_for(<Stream>handle.data, handle, buf)


cdef inline void alloc_for(Stream stream, uv.uv_handle_t* handle, uv.uv_buf_t* buf) noexcept:
    cdef size_t size
    cdef char* base
    if stream.flowing == 1:
        size = uv.PYUVNET_READ_BUF_SIZE
        if stream.sink_buffer != NULL and sink_fed(stream):
            base = stream.sink_buffer(stream.sink, &size)
            if base != NULL:
                buf.base = base
                buf.len = size
                return
        elif stream.big_reads and reads_to_python(stream):
            # A stream whose reads fill chunks, read by Python: the read
            # lands in the chunk it is delivered as (pyuvnet_read_chunk).
            base = uv.pyuvnet_read_chunk(<uv.pyuvnet_loop_t*>handle.loop)
            if base != NULL:
                buf.base = base
                buf.len = uv.PYUVNET_CHUNK_SIZE
                return
        buf.len = size
    else:
        buf.len = uv.PYUVNET_CHUNK_SIZE
        if stream.flowing == NODE_READS and stream.big_reads:
            # Read by the stream core (read(n) framing): the chunk it
            # buffers is the one the read lands in, not a copy; cut to
            # the read's size when shorter (realloc, in place).
            base = uv.pyuvnet_read_chunk(<uv.pyuvnet_loop_t*>handle.loop)
            if base != NULL:
                buf.base = base
                return
    buf.base = (<uv.pyuvnet_loop_t*>handle.loop).read_buf


cdef void stream_read(uv.uv_stream_t* handle, ssize_t nread,
                      const uv.uv_buf_t* buf) noexcept:
    # A loop callback (see loop/loop.pyx, "The GIL"): takes the GIL first,
    # unless the whole read went through to its destination without it
    # (write_through, below).
    cdef void* dest
    cdef int sent
    if nread > 0:
        dest = through_destination(handle.data)
        if dest != NULL and not handle.loop.stop_flag:
            # (uv_stop's flag: run() is to return, after stop() or an
            # exception (Loop.cut_turn_short); the GIL path holds the read
            # for the next.)
            sent = write_through(handle, dest, nread, buf.base)
            if sent != nread:
                went_short(handle, nread, sent)
            return
    read_slowly(handle, nread, buf, -1)


# Write-through, without the GIL.  A read whose only consumer is a
# stream's write in C (a pipe() whose destination is a Stream, PipeLink;
# or Node's echo, a stream's own write as its sole 'data' listener,
# write_target) goes to the destination's kernel straight from libuv's
# read buffer (uv_try_write), as a C proxy or echo does, while nothing of
# the destination's waits to go first; only what the kernel leaves
# becomes chunks, through the GIL path (write_bytes).  A read the kernel
# takes whole runs no Python at all, and does not take the GIL: the loop's
# turn keeps it released (loop/loop.pyx, "The GIL").
#
# No flag is kept in step with the streams' state: the checks read the
# same C fields the GIL path reads (flowing, the read queue, the consumer
# update_consumer() chose, the destination's queue, requests, cork, drain,
# end, connection and handle; the loop's stop), at the moment of the read.
# pause(), unpipe(), a new 'data' listener, setEncoding(), cork(), end(),
# destroy(), an error: each changes one of those fields, under the GIL, on
# the loop's thread (a socket belongs to its loop's thread, as in Node),
# and no Python runs between the checks and the write.  Without the GIL
# they take no reference: the objects are reached through the source,
# which holds itself while its handle is open (Stream.adopt), its consumer
# and the PipeLink's destination.
#
# This is Node's own timing: its write() hands each chunk to libuv at
# once, and one the kernel takes whole returns true with no 'drain',
# whatever the high-water mark (Node 20; tests/net/write/test_write_through.py).
# What it skips (the chunk copied into bytes, the write gathered until the
# loop's prepare) cannot be seen: the bytes leave before any listener
# could run.  When the kernel takes part of a read whose first chunk is of
# the high-water mark or more, Node's write() would return false: 'drain'
# follows once the rest has left.

cdef extern from *:
    """
    #define pyuvnet_list_size(list) \
        ((PyObject*)(list) == Py_None ? 0 : PyList_GET_SIZE((PyObject*)(list)))
    """
    # pyuvnet_chunk's new reference, or NULL with the exception set.
    PyObject* new_chunk "pyuvnet_chunk" (uv.pyuvnet_loop_t* loop, const char* data, ssize_t n)
    # A list-or-None field's length, read without the GIL (no reference).
    Py_ssize_t list_size "pyuvnet_list_size" (void* list) noexcept nogil
    void* PY_NONE "Py_None"


cdef inline bint lands_whole(void* source) noexcept nogil:
    """Whether a read of ``source`` (a Stream) lands in the loop's buffer,
    whole (socket_alloc): it flows, and goes to a write in C first, or
    has neither a sink's buffer nor a read chunk to fill (alloc_for's
    answer for those, read from the same fields)."""
    return (<Stream>source).flowing == 1 and (
        <void*>(<Stream>source).through != PY_NONE
        or ((<Stream>source).sink_buffer == NULL and not (<Stream>source).big_reads))


cdef inline void* through_destination(void* source) noexcept nogil:
    """The StreamWrites a read of ``source`` may be written through to now
    (NULL: none; the read goes the GIL path's way)."""
    cdef void* dest = <void*>(<Stream>source).through
    if (dest == PY_NONE or (<Stream>source).flowing != 1
            or list_size(<void*>(<Stream>source).read_queue)):
        return NULL
    # The destination's counters and flags OR-ed: one test for the five,
    # on the path of every read (writes the stream core runs go its way).
    if (((<StreamWrites>dest).write_reqs | (<StreamWrites>dest).corked
            | (<StreamWrites>dest).need_drain | (<StreamWrites>dest).ending
            | ((<StreamWrites>dest).heard & HEARD_WRITES))
            or list_size(<void*>(<StreamWrites>dest).write_queue)
            or <void*>(<StreamWrites>dest).deferred != PY_NONE
            or not (<StreamWrites>dest).connected or (<StreamWrites>dest).handle == NULL):
        # (A closing handle is left to uv_try_write: uv_close gave it fd -1
        # at once, which it refuses.)
        return NULL
    return dest


cdef inline int write_through(uv.uv_stream_t* handle, void* dest, Py_ssize_t nread,
                              char* data) noexcept nogil:
    """uv_try_write of one read (``nread`` > 0 bytes at ``data``) to
    ``dest``: the bytes the kernel took; 0 or less: none (EAGAIN, or an
    error, which the chunked write reports as Node does).  Counted first
    as taken whole (read_short takes back what was not): across the call
    stream_read then keeps only the handle and ``nread``, the registers
    saved and restored on every read.  Its uv_buf_t is the loop's, which
    read_short finds again."""
    cdef void* source = handle.data
    cdef uv.uv_buf_t* out = &(<uv.pyuvnet_loop_t*>handle.loop).write_buf
    # (Plain assignments: Cython takes += on a cast as a Python operation.)
    (<Stream>source).bytes_read = (<Stream>source).bytes_read + nread
    (<StreamWrites>dest).bytes_written = (<StreamWrites>dest).bytes_written + nread
    # The GIL path's bookkeeping of a read (big_reads, for reads that go to
    # Python, is left to those), and a write's: both stamped as a read and
    # a write() are, whatever the kernel takes.
    if <void*>(<Stream>source)._idle != PY_NONE:
        (<Stream>source).last_activity = uv.pyuvnet_now(handle.loop)
    if <void*>(<StreamWrites>dest)._idle != PY_NONE:
        (<StreamWrites>dest).last_activity = uv.pyuvnet_now(handle.loop)
    out.base = data
    out.len = <size_t>nread
    return uv.uv_try_write(<uv.uv_stream_t*>(<StreamWrites>dest).handle, out, 1)


cdef void read_short(uv.uv_stream_t* handle, Py_ssize_t nread, Py_ssize_t sent) noexcept:
    # After write_through, when the kernel took less than the read
    # (``sent``: uv_try_write's result): what it did not take is taken
    # back from the counts, and goes the GIL path's way, as chunks.  The
    # read's buffer is the loop's write_buf (read_with_gil reads only its
    # base).
    cdef void* source = handle.data
    cdef void* dest = <void*>(<Stream>source).through    # write_through's
    cdef Py_ssize_t taken = sent if sent > 0 else 0
    (<Stream>source).bytes_read = (<Stream>source).bytes_read - (nread - taken)
    (<StreamWrites>dest).bytes_written = (<StreamWrites>dest).bytes_written - (nread - taken)
    if taken and min(nread, <Py_ssize_t>uv.PYUVNET_CHUNK_SIZE) >= (<StreamWrites>dest).write_hwm:
        # Node's write() of a first chunk of the high-water mark or more
        # that does not leave whole returns false: 'drain' follows.
        (<StreamWrites>dest).need_drain = True
    read_slowly(handle, nread, &(<uv.pyuvnet_loop_t*>handle.loop).write_buf, taken)


cdef inline bint reads_to_python(Stream stream) noexcept:
    """Whether a read goes to Python as one chunk: the stream flows with
    nothing queued, and no write-through (pipe(), the echo idiom) or sink
    takes it from the loop's buffer."""
    return (stream.consumer is not None and stream.write_target is None
            and stream.pipe_link is None and not stream.sink_on and not stream.read_queue)


cdef inline bint holds_read(Stream stream) noexcept:
    """Whether a read of ``stream``, a TCP socket (read_with_gil tests the
    handle's type first: a child's stdio, whose 'exit' the same poll may
    bring, is not held), waits for the poll's end to reach Python as one
    chunk (WriteFlusher.hold_read): with none of its own requests in flight
    (a write's or our FIN's), whose callback libuv could run later in the
    same poll, and run() not about to return."""
    return (stream.flowing == 1 and reads_to_python(stream) and stream.write_reqs == 0
            and not stream.write_queue and not stream.ending
            and not stream.loop.cut_turn_short())


cdef void read_with_gil(uv.uv_stream_t* handle, ssize_t nread,
                        const uv.uv_buf_t* buf, Py_ssize_t taken) noexcept:
    # ``taken``: what write_through sent of the read, -1 if not tried.
    # Most reads of a busy server are held (hold_read_now): tested first,
    # so that read_for's frame, set up for its chunks and sinks, is not.
    uv.pyuvnet_take_gil(handle.loop)
    if (taken <= 0 and 0 < nread <= uv.PYUVNET_CHUNK_SIZE
            and (<uv.uv_handle_t*>handle).type == uv.UV_TCP
            and holds_read(<Stream>handle.data)
            and not uv.pyuvnet_in_read_chunk(<uv.pyuvnet_loop_t*>handle.loop, buf.base)):
        hold_read_now(<Stream>handle.data, handle, nread, buf.base)
        return
    read_rest(<Stream>handle.data, handle, nread, buf, taken)


cdef inline void hold_read_now(Stream stream, uv.uv_stream_t* handle, ssize_t nread,
                               const char* data) noexcept:
    """A read for a Python listener (holds_read) copied into a chunk the
    loop holds until its poll's end (WriteFlusher.hold_read), with
    read_for's bookkeeping of a read."""
    cdef PyObject* chunk
    stream.big_reads = nread == uv.PYUVNET_CHUNK_SIZE    # (read_for's test, when flowing)
    if stream._idle is not None:
        stream.last_activity = uv.uv_now(handle.loop)
    chunk = new_chunk(<uv.pyuvnet_loop_t*>handle.loop, data, nread)
    if chunk == NULL:
        report_raised(stream.loop)
    else:
        stream.loop.flusher.hold_read(stream, chunk)


cdef alloc_fn alloc_slowly = alloc_with_gil
cdef read_fn read_slowly = read_with_gil
# A write_through the kernel did not take whole (not inlined in stream_read,
# whose path for a read taken whole then saves fewer registers).
ctypedef void (*short_fn)(uv.uv_stream_t* handle, Py_ssize_t nread, Py_ssize_t sent) noexcept
cdef short_fn went_short = read_short


# A read's and its stream's end's usual steps, called from read_for as C
# functions through pointers that do not check for an exception: read_for
# tests their -1 (the exception set) itself.  A try block there would save
# and restore the thread's exception state on every read and every
# connection's end (about 20 instructions each).
cdef int deliver_read(Stream stream, uv.pyuvnet_loop_t* uvloop, const char* data,
                      Py_ssize_t size, bint in_chunk) except -1:
    if in_chunk:
        # Landed in the chunk it is delivered as (socket_alloc): no copy.
        return stream.deliver(uv.pyuvnet_read_chunk_take(uvloop, size))
    return stream.deliver(uv.pyuvnet_chunk(uvloop, data, size))


cdef int end_read(Stream stream, ssize_t nread) except -1:
    return stream.on_read_end(nread)


ctypedef int (*deliver_read_fn)(Stream stream, uv.pyuvnet_loop_t* uvloop, const char* data,
                                Py_ssize_t size, bint in_chunk) noexcept
ctypedef int (*end_read_fn)(Stream stream, ssize_t nread) noexcept
cdef deliver_read_fn unchecked_deliver_read = <deliver_read_fn>deliver_read
cdef end_read_fn unchecked_end_read = <end_read_fn>end_read
cdef read_rest_fn read_rest = read_for


cdef void read_for(Stream stream, uv.uv_stream_t* handle, ssize_t nread,
                   const uv.uv_buf_t* buf, Py_ssize_t taken) noexcept:
    # Every read read_with_gil does not hold (hold_read_now).
    cdef uv.pyuvnet_loop_t* uvloop = <uv.pyuvnet_loop_t*>handle.loop
    cdef Py_ssize_t start = 0, size
    cdef bint in_chunk = uv.pyuvnet_in_read_chunk(uvloop, buf.base)
    if nread > 0:
        stream.big_reads = nread >= (uv.PYUVNET_CHUNK_SIZE if stream.flowing != NODE_READS
                                     else NODE_READS_BIG)
        # bytesRead grows as the read's chunks go out, so that a 'data'
        # listener sees only what was delivered so far (Node's count).
        if stream._idle is not None:
            stream.last_activity = uv.uv_now(handle.loop)
        if taken > 0:
            # A pipe() or an echo sent part (write_through, which counted
            # it): the rest goes on as chunks below.
            start = taken
    if stream.loop.flusher.reads_held:
        # What the poll read before goes first (a stream's end after its data).
        stream.loop.flusher.deliver_reads()
        if stream._destroyed:
            return
    if nread > 0:
        if sink_fed(stream):
            sink_whole_read(stream, buf.base, nread)
        elif in_chunk or nread - start <= uv.PYUVNET_CHUNK_SIZE:
            size = nread if in_chunk else nread - start
            stream.bytes_read += size
            if unchecked_deliver_read(stream, uvloop, buf.base + start, size, in_chunk) < 0:
                report_raised(stream.loop)
        else:
            deliver_chunks(stream, buf.base, start, nread)
    else:
        if stream.sink is not None and stream.sink_buffer != NULL:
            sink_no_read(stream, buf.base)
        if nread < 0 and unchecked_end_read(stream, nread) < 0:
            report_raised(stream.loop)
    stream.loop.after_callback()
    if stream.loop.cut_turn_short():
        stream.loop.hold_reading(stream)


# read_for's steps with try blocks, called through pointers (not inlined):
# read_for itself then sets up none of their exception state, which every
# read it runs (a unix socket's, an HTTP request's, every stream's end)
# would pay.
ctypedef void (*sink_read_fn)(Stream stream, const char* data, Py_ssize_t nread) noexcept
ctypedef void (*chunks_fn)(Stream stream, const char* data, Py_ssize_t start,
                           Py_ssize_t nread) noexcept
ctypedef void (*sink_end_fn)(Stream stream, const char* data) noexcept


cdef void feed_whole_read(Stream stream, const char* data, Py_ssize_t nread) noexcept:
    # The writes the read causes leave after it, as one (end_cut).
    stream.loop.flusher.cutting = True
    try:
        stream.feed_sink(stream.sink, data, nread)
    except BaseException as exc:
        stream.loop.report(exc)
    try:
        stream.loop.flusher.end_cut()
    except BaseException as exc:
        stream.loop.report(exc)


cdef void deliver_in_chunks(Stream stream, const char* data, Py_ssize_t start,
                            Py_ssize_t nread) noexcept:
    # Node's chunks: at most 64 KiB each, whatever the read brought;
    # what they make the listeners write leaves after the last.
    cdef Py_ssize_t size
    stream.loop.flusher.cutting = True
    while start < nread and not stream._destroyed:
        size = min(nread - start, uv.PYUVNET_CHUNK_SIZE)
        stream.bytes_read += size
        try:
            stream.deliver_cut(data + start, size)
        except BaseException as exc:
            stream.loop.report(exc)
        start += size
    try:
        stream.loop.flusher.end_cut()
    except BaseException as exc:
        stream.loop.report(exc)


cdef void tell_sink_no_read(Stream stream, const char* data) noexcept:
    # A read of nothing (EAGAIN: 0) or the read side's end: a sink
    # that offers its own buffers hears of it first, as a read of
    # size 0 (HTTPParser hands over a head that waited for it).
    try:
        stream.feed_sink(stream.sink, data, 0)
    except BaseException as exc:
        stream.loop.report(exc)


cdef sink_read_fn sink_whole_read = feed_whole_read
cdef chunks_fn deliver_chunks = deliver_in_chunks
cdef sink_end_fn sink_no_read = tell_sink_no_read
