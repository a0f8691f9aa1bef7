# PipeLink: the C half of stream/_pipe.py's pipe() (Node's
# Readable.prototype.pipe, the project's only one): its ondata, pause and
# ondrain steps, the ones that run while data moves; _pipe.py keeps the
# rest (the listeners' set-up, unpipe, the ends, errors).
#
# ondata runs in C: a Stream whose sole 'data' listener is a PipeLink hands
# it each chunk without a call (Stream.deliver), and a Stream
# destination's write is StreamWrites.write_bytes. pause and ondrain are
# C too, so a pipe between sockets runs no Python while backpressure
# pauses and resumes it.
#
# Write-through: while the destination has nothing queued or in flight, a read
# goes to the destination's kernel straight from libuv's read buffer, without
# the GIL, as a C proxy does and as Node's write() would send it
# (write_through, uv/stream/read_callbacks.pyx); only what the kernel leaves
# becomes chunks, through the path above.


cdef object pipe_fields(object source):
    """Where Node keeps the pipe's fields (pipes, awaitDrainWriters,
    multiAwaitDrain): the source's ReadableState, or the HeldPipes of a C
    stream whose C base keeps its reads (stream/_pipe.py)."""
    cdef object state = source._readableState
    return source._held_pipes if state is None else state


@cython.final
cdef class PipeLink:
    """One ``source.pipe(destination)``'s ondata (the instance, called),
    pause() and ondrain (``drained``), as Node's."""

    cdef readonly object source
    cdef readonly object destination
    cdef public bint cleaned_up     # set by the pipe's cleanup()
    # ``drained`` is on the destination's 'drain' (not kept as a bound
    # method: that would be a cycle, left to the GC).
    cdef readonly bint awaits_drain
    cdef StreamWrites dest_stream   # the destination, when its write is Stream's own

    def __init__(self, source, destination):
        self.source = source
        self.destination = destination
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
            self.pause()
        return 0

    def pause(self):
        """Wait for the destination's 'drain' (a refused write, or one
        that needs a drain at pipe())."""
        cdef object state, pipes
        if not self.cleaned_up:
            state = pipe_fields(self.source)
            pipes = state.pipes
            if len(pipes) == 1 and pipes[0] is self.destination:
                state.awaitDrainWriters = self.destination
                state.multiAwaitDrain = False
            elif len(pipes) > 1 and self.destination in pipes:
                state.awaitDrainWriters.add(self.destination)
            self.source.pause()
        if not self.awaits_drain:
            self.awaits_drain = True
            self.destination.on('drain', self.drained)

    def drained(self, *args):
        """The destination's 'drain': resume the source once no
        destination it pipes to waits for one."""
        cdef object state = pipe_fields(self.source)
        if state.awaitDrainWriters is self.destination:
            state.awaitDrainWriters = None
        elif state.multiAwaitDrain:
            state.awaitDrainWriters.discard(self.destination)
        if not state.awaitDrainWriters and self.source.listenerCount('data'):
            self.source.resume()
