# PipeLink: one source.pipe(destination), as the source's 'data' listener,
# the destination's 'drain' listener and (with end) the source's 'end'
# listener.  The per-chunk step runs in C: a Stream whose sole 'data'
# listener is a PipeLink hands it each chunk without a call (Stream.deliver),
# and a Stream destination's write is StreamWrites.write_bytes; only
# 'drain' and 'end' (once per pause, once per pipe) are calls.  Node's
# semantics are duplex.py's (pipe(), unpipe(), 'pipe' / 'unpipe').
#
# Write-through: while the destination has nothing queued or in flight, a
# read is offered to the destination's kernel straight from libuv's read
# buffer (uv_try_write), as a C proxy does; only what the kernel leaves
# becomes chunks, through the path above.  What this skips (the chunk
# copied into bytes, the write gathered until the loop's prepare, the
# source paused and resumed by a 'drain' on the next tick when a chunk
# reaches the high-water mark) is not observable: the bytes have left
# before any listener could run, and a 'drain' nobody but this pipe hears
# resumes a source nobody saw paused.  So a destination with another
# 'drain' listener takes the chunked path for chunks of its high-water
# mark or more, which make Node's write() return false.


cdef class PipeLink:
    """source -> destination, with Node's backpressure: a chunk the
    destination's write() refuses (False) pauses the source; the
    destination's 'drain' resumes it.  ``end``: the destination is ended
    after the source's 'end'."""

    cdef readonly object source
    cdef readonly object destination
    cdef readonly bint end
    cdef public bint attached       # until unpipe()
    cdef StreamWrites dest_stream   # the destination, when its write is Stream's own

    def __init__(self, source, destination, bint end):
        self.source = source
        self.destination = destination
        self.end = end
        self.attached = True
        self.dest_stream = own_write_of(getattr(destination, 'write', None))

    def __call__(self, chunk):
        """The source's 'data' listener."""
        self.forward(chunk)

    cdef int forward(self, object chunk) except -1:
        cdef bint ok
        if self.dest_stream is not None and type(chunk) is bytes:
            ok = self.dest_stream.write_bytes(<bytes>chunk, None) == 1
        else:
            ok = self.destination.write(chunk) is not False
        if not ok:
            if isinstance(self.source, Stream):
                (<Stream>self.source).flowing = 0       # pause(), without the call
            else:
                self.source.pause()
        return 0

    cdef Py_ssize_t write_through(self, const char* data, Py_ssize_t size) noexcept:
        """The bytes of one read (``size`` > 0 at ``data``, a flowing
        source with nothing waiting unread) that the destination's kernel
        took at once; 0 when it took none or the read must go as chunks.
        The caller delivers the rest as chunks."""
        cdef StreamWrites dest = self.dest_stream
        cdef uv.uv_buf_t buf
        cdef int r
        if (dest is not self.destination or dest.write_queue or dest.write_reqs or dest.corked
                or dest.need_drain or dest.ending or not dest.connected
                or not dest.is_open() or dest.loop.cut_turn_short()):
            return 0
        if (min(size, <Py_ssize_t>uv.PYUVNET_CHUNK_SIZE) >= dest.write_hwm
                and not self.sole_drain_listener()):
            return 0
        buf.base = <char*>data
        buf.len = <size_t>size
        r = uv.uv_try_write(<uv.uv_stream_t*>dest.handle, &buf, 1)
        if r <= 0:
            # EAGAIN, or an error that the chunked write reports as Node does.
            return 0
        dest.bytes_written += r
        if dest._idle is not None:
            dest.last_activity = uv.uv_now(dest.loop.uvloop)
        return r

    cdef bint sole_drain_listener(self) noexcept:
        """Whether this pipe's on_drain is the destination's only 'drain'
        listener (a bound method of this link)."""
        cdef object listener = self.dest_stream._sole_listener('drain')
        return PyMethod_Check(listener) and <object>PyMethod_GET_SELF(listener) is self

    def on_drain(self):
        """The destination's 'drain': resume a source this pipe paused."""
        if self.attached and self.source.isPaused():
            self.source.resume()

    def on_end(self):
        """The source's 'end': end the destination."""
        self.destination.end()
