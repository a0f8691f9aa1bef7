# A Stream's writes once the program took its Writable API (HEARD_WRITES:
# take_writes, _internal/streams/native.py; docs/DESIGN.md, "Taking the
# writes"): the stream core's WritableState runs Node's write sequences,
# and the C stream is only its I/O.  Here: the stream core's functions the
# C methods hand over to (the kit), the take's step that moves what C
# holds into the state (hand_writes_over), and the state's _write()/
# _writev() and _final() (send_taken_writes, send_taken_fin).
# Module-level functions taking the StreamWrites (uv/stream/writable.pyx),
# as a cdef class cannot span files; none is on the path of a stream that
# never takes the API, which pays one bit test per write, cork and end.


# The stream core's write sequences: Node's write(), cork(), uncork() and
# end() over the state, and destroy()'s step of it.  Python functions (the
# stream core's, as TLSPumpData's kit): only a stream whose writes were
# taken calls them.
cdef object TAKEN_WRITE = None      # writable_write(stream, chunk, encoding, callback)
cdef object TAKEN_CORK = None       # writable_cork(stream)
cdef object TAKEN_UNCORK = None     # writable_uncork(stream)
cdef object TAKEN_END = None        # writable_end(stream, chunk, encoding, callback)
cdef object TAKEN_DESTROYED = None  # (stream, error, closing): destroy()'s, or 'close''s
cdef object TAKEN_NOP = None        # the stream core's callback of a write given none


def _set_stream_write_kit(write, cork, uncork, end, destroyed, nop):
    """The functions above, from _internal/streams/native.py, as it is imported."""
    global TAKEN_WRITE, TAKEN_CORK, TAKEN_UNCORK, TAKEN_END, TAKEN_DESTROYED, TAKEN_NOP
    TAKEN_WRITE, TAKEN_CORK, TAKEN_UNCORK, TAKEN_END = write, cork, uncork, end
    TAKEN_DESTROYED, TAKEN_NOP = destroyed, nop


cdef int hand_writes_over(StreamWrites s, object state, object in_flight) except -1:
    """What C holds of ``s``'s writes goes to the stream core's ``state``
    (Stream._take_writes): corked writes into its buffer; writes gathered
    or in flight stay, as one write in flight whose callback
    (``in_flight(length)`` makes it) comes after them: an empty write
    queued behind them, which follows libuv's requests too (send_bufs);
    a 'drain' owed is the state's.  Then the bit is set."""
    cdef Py_ssize_t n
    cdef list buffered
    cdef HeldWriteCallbacks held
    if s.corked:
        buffered = s.queued_entries(TAKEN_NOP)
        if any(entry['callback'] is not TAKEN_NOP for entry in buffered):
            state.allNoop = False
        if buffered:
            state.buffered = buffered
            state.length = s.queued_bytes
            state.pendingcb = len(buffered)
            # Counted again when they leave (bytesWritten adds the
            # state's buffer meanwhile).
            s.bytes_written -= s.queued_bytes
        state.corked = s.corked
        s.write_queue = s.write_callbacks = None
        s.queued_bytes = s.queued_callbacks = s.corked = 0
        s.uncorked_writes = 0
    n = s.queued_bytes + s.inflight_bytes
    if n or s.write_reqs:
        held = HeldWriteCallbacks.__new__(HeldWriteCallbacks)
        held.loop = s.loop
        held.callbacks = []
        held.in_flight = in_flight(n)
        # Node's write in flight calls its callback after 'drain'.
        state.writecb = held
        setattr(s, '_held_write_callbacks', held)
        s.heard |= HEARD_HELD_CALLBACKS
        s.queue_bytes(b'', held.in_flight)
        s.schedule_flush()
        # Its callback is the state's afterWrite, which emits 'drain'
        # (else the tick send_gathered() queued for it does).
        state.needDrain = s.need_drain
        s.need_drain = False
    s.heard |= HEARD_WRITES
    return 0


@cython.final
cdef class HeldWriteCallbacks:
    """The callbacks of the writes C held at the take (gathered, or in
    libuv's requests), which the state sees as one write in flight: kept
    as C's writes are done (hold_taken_callbacks), then called as that
    write's own callback (the state's ``writecb``), after 'drain', as
    Node's afterWrite calls it."""
    cdef Loop loop
    cdef list callbacks
    cdef object in_flight       # the state's callback of its write in flight

    def __call__(self, err=None):
        callbacks, self.callbacks = self.callbacks, []
        call_each(self.loop, callbacks, err)


cdef list hold_taken_callbacks(StreamWrites s, list callbacks):
    """call_write_callbacks' step while HEARD_HELD_CALLBACKS: C's own
    callbacks are kept for the state's write in flight; returns what is
    called now, that write's callback once it comes (which ends the
    wait)."""
    cdef HeldWriteCallbacks held = getattr(s, '_held_write_callbacks')
    cdef list now = []
    for cb in callbacks:
        if cb is held.in_flight:
            s.heard &= ~HEARD_HELD_CALLBACKS
            delattr(s, '_held_write_callbacks')
            now.append(cb)
        elif cb is not None:
            held.callbacks.append(cb)
    return now


cdef int send_taken_writes(StreamWrites s, list chunks, object callback) except -1:
    """The state's _write()/_writev(): ``chunks`` (bytes) to the kernel
    now, as Node's writeGeneric hands a write to it, and ``callback``
    after the last: at once when the kernel took them all (Node's
    synchronous write), else when libuv's request is done.  (The stream
    core writes one at a time.)"""
    cdef Py_ssize_t i, last = len(chunks) - 1
    for i in range(last):
        s.queue_bytes(<bytes?>chunks[i], None)
    s.queue_bytes(<bytes?>chunks[last], callback)
    if s._idle is not None:
        s.loop.refresh_time()
        s.last_activity = uv.uv_now(s.loop.uvloop)
    s.flush()
    return 0


cdef int send_taken_fin(StreamWrites s) except -1:
    """The state's _final(): our FIN after what was written; emit_finish()
    calls the facade back when it left.  (``ending`` is the state's
    already: end_writes() runs its steps again, unless the FIN of an end()
    begun before the take is on its way.)"""
    if not s.shutdown_sent:
        s.ending = False
        s.end_writes()
    return 0
