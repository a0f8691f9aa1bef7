# PipeLink: one source.pipe(destination), as the source's 'data' listener,
# the destination's 'drain' listener and (with end) the source's 'end'
# listener.  The per-chunk step runs in C: a Stream whose sole 'data'
# listener is a PipeLink hands it each chunk without a call (Stream.deliver),
# and a Stream destination's write is StreamWrites.write_bytes; only
# 'drain' and 'end' (once per pause, once per pipe) are calls.  Node's
# semantics are pyuvnet/_native_piping.py's (pipe(), unpipe(), 'pipe' / 'unpipe').
#
# Write-through: while the destination has nothing queued or in flight, a read
# goes to the destination's kernel straight from libuv's read buffer, without
# the GIL, as a C proxy does and as Node's write() would send it
# (write_through, uv/stream/read_callbacks.pyx); only what the kernel leaves
# becomes chunks, through the path above.


@cython.final
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

    def on_drain(self):
        """The destination's 'drain': resume a source this pipe paused."""
        if self.attached and self.source.isPaused():
            self.source.resume()

    def on_end(self):
        """The source's 'end': end the destination."""
        self.destination.end()
