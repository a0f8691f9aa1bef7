# libuv's read callbacks for a Stream (uv/stream.pyx): where a read lands
# (the loop's buffer, or one its sink offers), and how it reaches the
# stream's consumer: written through by a pipe() or an echo, parsed in
# place by a sink, or cut into Node's chunks.
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
    # A loop callback (see loop.pyx, "The GIL"): takes the GIL first, to
    # read the Stream's state.  A flowing stream reads the whole buffer at
    # once (read_with_gil cuts it into chunks); a paused one a chunk's
    # worth, so that what waits unread passes readableHighWaterMark by
    # less than a chunk, as in Node.
    # A sink that wants the read somewhere else says so (Stream.sink_buffer):
    # libuv reads, and calls stream_read, right after this returns, with
    # nothing in between that could change whether the sink is fed.
    cdef Stream stream
    cdef size_t size
    cdef char* base
    uv.pyuvnet_take_gil(handle.loop)
    stream = <Stream>handle.data
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
    buf.base = (<uv.pyuvnet_loop_t*>handle.loop).read_buf


cdef void stream_read(uv.uv_stream_t* handle, ssize_t nread,
                      const uv.uv_buf_t* buf) noexcept:
    # A loop callback (see loop.pyx, "The GIL"): takes the GIL first.
    uv.pyuvnet_take_gil(handle.loop)
    read_with_gil(handle, nread, buf)


cdef inline bint reads_to_python(Stream stream):
    """Whether a read goes to Python as one chunk: the stream flows with
    nothing queued, and no write-through (pipe(), the echo idiom) or sink
    takes it from the loop's buffer."""
    return (stream.consumer is not None and stream.write_target is None
            and stream.pipe_link is None and not stream.sink_on and not stream.read_queue)


cdef void read_with_gil(uv.uv_stream_t* handle, ssize_t nread,
                        const uv.uv_buf_t* buf) noexcept:
    cdef Stream stream = <Stream>handle.data
    cdef uv.pyuvnet_loop_t* uvloop = <uv.pyuvnet_loop_t*>handle.loop
    cdef Py_ssize_t start = 0, size
    cdef bint in_chunk = uv.pyuvnet_in_read_chunk(uvloop, buf.base)
    if nread > 0:
        stream.big_reads = nread >= uv.PYUVNET_CHUNK_SIZE
        # bytesRead grows as the read's chunks go out, so that a 'data'
        # listener sees only what was delivered so far (Node's count).
        if stream._idle is not None:
            stream.last_activity = uv.uv_now(handle.loop)
        if stream.flowing == 1 and not stream.read_queue:
            # A pipe() or an echo (the sole listener a stream's own write)
            # sends what it can straight from the read buffer
            # (StreamWrites.write_through); the rest goes on as chunks below.
            if stream.pipe_link is not None:
                start = stream.pipe_link.write_through(buf.base, nread)
            elif stream.write_target is not None:
                start = stream.write_target.write_through(buf.base, nread)
            stream.bytes_read += start
        if start == nread:
            pass
        elif sink_fed(stream):
            # The writes the read causes leave after it, as one (end_cut).
            stream.loop.flusher.cutting = True
            try:
                stream.feed_sink(stream.sink, buf.base, nread)
            except BaseException as exc:
                stream.loop.report(exc)
            try:
                stream.loop.flusher.end_cut()
            except BaseException as exc:
                stream.loop.report(exc)
        elif in_chunk:
            # Landed in the chunk it is delivered as (socket_alloc): no copy.
            stream.bytes_read += nread
            try:
                stream.deliver(uv.pyuvnet_read_chunk_take(uvloop, nread))
            except BaseException as exc:
                stream.loop.report(exc)
        elif nread - start <= uv.PYUVNET_CHUNK_SIZE:
            stream.bytes_read += nread - start
            try:
                stream.deliver(uv.pyuvnet_chunk(uvloop, buf.base + start, nread - start))
            except BaseException as exc:
                stream.loop.report(exc)
        else:
            # Node's chunks: at most 64 KiB each, whatever the read brought;
            # what they make the listeners write leaves after the last.
            stream.loop.flusher.cutting = True
            while start < nread and not stream._destroyed:
                size = min(nread - start, uv.PYUVNET_CHUNK_SIZE)
                stream.bytes_read += size
                try:
                    stream.deliver_cut(buf.base + start, size)
                except BaseException as exc:
                    stream.loop.report(exc)
                start += size
            try:
                stream.loop.flusher.end_cut()
            except BaseException as exc:
                stream.loop.report(exc)
    elif nread < 0:
        try:
            stream.on_read_end(nread)
        except BaseException as exc:
            stream.loop.report(exc)
    stream.loop.after_callback()
    if stream.loop.cut_turn_short():
        stream.loop.hold_reading(stream)

