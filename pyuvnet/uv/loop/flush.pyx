# WriteFlusher: a Loop's write flushing (its ``flusher``): which streams
# have writes queued in this turn, and when those leave.
#
# A stream's write() queues its bytes (uv/stream/writable.pyx) and marks the
# stream here, once per turn (mark_dirty).  The loop's prepare handle sends
# every marked stream's queue right before the loop may block (flush_all),
# so that a turn's writes to one stream leave as one vectored write.  They
# leave sooner when:
#   - the turn has gathered CROWDED_TURN_STREAMS streams: they go at the
#     end of the read that made the last (flush_crowded_turn);
#   - a stream sends its queue by itself (StreamWrites.flush_early): it
#     leaves the list (unmark_dirty);
# and a stream over its flush threshold while one read's chunks are
# delivered (``cutting``) waits for the last of them (hold_flush, end_cut).
#
# It also holds the poll's reads bound for Python listeners (hold_read,
# from uv/stream/read_callbacks.pyx) and delivers them from the check phase
# (end_of_poll, the Loop's ``read_check``), then sends the writes held
# meanwhile: the listeners' Python runs after all the reads' syscalls and
# before the writes', not between syscalls from cold caches.  The held
# reads, like the held writes, are references in C arrays (every echo
# passes here).
#
# A class of its own, owned by the Loop, rather than Loop methods, because a
# cdef class cannot be split across files; every call on the write path is
# still a C call on a typed field.
#
# Ownership: the Loop owns its flusher and outlives it, so the flusher holds
# it by a borrowed pointer (``owner``): a reference back would make the
# pair a cycle that only the GC frees, where a Loop is freed (its fds
# closed) by reference counting.  The prepare handle is the Loop's
# (``Loop.flush_prepare``), as is ``read_check``, made and closed with its other handles: the
# Loop's __dealloc__ must reach it even after the GC cleared the Loop's
# object fields, this flusher among them.

# How many streams' writes a turn gathers before flush_crowded_turn sends them.
# Swept on the HTTP server (pinned wrk A/B, 3 rounds each): at 500
# connections uploading 64 KiB, p99 stays 9-10 ms from 12 to 24 and jumps
# to 15-16 ms from 32 up (the clients' next uploads no longer overlap the
# server's turn); at 500 keep-alive connections p99 is 3.0 ms at 16 against
# 3.4 at 64, and user CPU per request rises below 16 (8: +8%, 1: +23%);
# the pipelined cells' CPU does not move from 12 to 64.
cdef enum:
    CROWDED_TURN_STREAMS = 16


@cython.final
cdef class WriteFlusher:
    """The streams of one Loop with writes waiting, flushed once per turn."""

    cdef void* owner                # the Loop (borrowed: see above)
    cdef list dirty_streams         # marked this turn, in the order marked
    # Streams holding a write (defer_send, uv/stream/held_writes.pyx), in
    # order, each a reference: a C array, as this is on the path of every echo.
    cdef PyObject* held[CROWDED_TURN_STREAMS]
    cdef int held_count
    # Reads held to the poll's end (hold_read): each stream with its chunk,
    # both references, in the order read.
    cdef PyObject* read_streams[CROWDED_TURN_STREAMS]
    cdef PyObject* read_chunks[CROWDED_TURN_STREAMS]
    cdef int reads_held, reads_next
    # release_held is delivering the held reads: the writes their listeners
    # hold leave right after (send_held), so defer starts no prepare for them.
    cdef bint releasing
    cdef bint cutting               # a read's chunks are being delivered
    cdef StreamWrites held_flush    # the stream whose flush waits for the last of them

    def __cinit__(self, Loop loop):
        self.owner = <void*>loop
        self.dirty_streams = []

    cdef void mark_dirty(self, StreamWrites stream):
        if (<Loop>self.owner).uvloop == NULL or (<Loop>self.owner).closing:
            return
        if not self.dirty_streams:
            uv.uv_prepare_start((<Loop>self.owner).flush_prepare,
                                <uv.uv_prepare_cb><void*>flush_dirty_streams)
        self.dirty_streams.append(stream)
        (<Loop>self.owner).wake()

    cdef inline void defer(self, StreamWrites stream) noexcept:
        """``stream`` holds a write (defer_send, uv/stream/held_writes.pyx)
        until the prepare phase; when a turn has held CROWDED_TURN_STREAMS,
        they leave before the next is held, as its gathered writes do
        (flush_crowded_turn)."""
        if self.held_count == 0:
            if not self.dirty_streams and not self.releasing:
                uv.uv_prepare_start((<Loop>self.owner).flush_prepare,
                                    <uv.uv_prepare_cb><void*>flush_dirty_streams)
        elif self.held_count == CROWDED_TURN_STREAMS:
            self.send_held()
        Py_INCREF(stream)
        self.held[self.held_count] = <PyObject*>stream
        self.held_count += 1

    cdef void send_held(self) noexcept:
        """Every held write to the kernel, in the order held (those an
        observation sent already are gone from their streams)."""
        cdef PyObject* batch[CROWDED_TURN_STREAMS]
        cdef int i, count = self.held_count
        memcpy(batch, self.held, count * sizeof(PyObject*))
        self.held_count = 0
        for i in range(count):
            send_held(<StreamWrites>batch[i])
            Py_DECREF(<object>batch[i])

    cdef void drop_held(self) noexcept:
        """The loop closes: what is held is dropped with its streams."""
        cdef int count = self.held_count
        self.held_count = 0
        for i in range(count):
            Py_DECREF(<object>self.held[i])
        count = self.reads_held
        self.reads_held = 0
        for i in range(count):
            Py_DECREF(<object>self.read_streams[i])
            Py_DECREF(<object>self.read_chunks[i])

    cdef inline void hold_read(self, Stream stream, PyObject* chunk) noexcept:
        """``stream``'s read ``chunk`` (a reference the flusher takes) is
        delivered once the poll has brought its other reads (end_of_poll,
        from the check phase)."""
        if self.reads_held == 0:
            uv.uv_check_start((<Loop>self.owner).read_check,
                              <uv.uv_check_cb><void*>deliver_held_reads)
        elif self.reads_held == CROWDED_TURN_STREAMS:
            self.deliver_reads()
        Py_INCREF(stream)
        self.read_streams[self.reads_held] = <PyObject*>stream
        self.read_chunks[self.reads_held] = chunk
        self.reads_held += 1

    cdef void deliver_reads(self) noexcept:
        """Every held read to its stream's consumer, in the order read.
        Those not yet delivered stay in the array meanwhile (from
        ``reads_next``), where destroy() looks (holds_read_of); nothing
        holds a read while they are delivered: only libuv's read callbacks
        do, which run in its poll."""
        cdef int i = 0
        while i < self.reads_held:
            self.reads_next = i + 1
            deliver_held(<Loop>self.owner, <Stream>self.read_streams[i], self.read_chunks[i])
            Py_DECREF(<object>self.read_streams[i])
            Py_DECREF(<object>self.read_chunks[i])
            i += 1
        self.reads_held = self.reads_next = 0

    cdef bint holds_read_of(self, Stream stream) noexcept:
        """Whether a read of ``stream`` waits to be delivered (destroy()
        then resets the connection, as Node's close with unread data)."""
        cdef int i
        for i in range(self.reads_next, self.reads_held):
            if self.read_streams[i] == <PyObject*>stream:
                return True
        return False

    cdef void end_of_poll(self) noexcept:
        """The check phase's first work: the held reads' 'data', then the
        writes their listeners made, then (when their listeners queued the
        first) the immediates, as Node runs them in this check phase."""
        cdef Loop loop = <Loop>self.owner
        cdef bint immediates_due = uv.uv_is_active(<uv.uv_handle_t*>loop.immediate_check)
        uv.uv_check_stop(loop.read_check)
        self.release_held()
        if not immediates_due and loop.immediates:
            run_immediate_batch(loop)

    cdef inline void release_held(self) noexcept:
        """The held reads to their listeners, in the order read, then the
        writes held meanwhile to the kernel."""
        if self.reads_held:
            self.releasing = True
            self.deliver_reads()
            self.releasing = False
        if self.held_count:
            self.send_held()
            if not self.dirty_streams:
                # Nothing left for the prepare phase's flush (defer may
                # have started it before the poll's reads).
                uv.uv_prepare_stop((<Loop>self.owner).flush_prepare)

    def __dealloc__(self):
        self.drop_held()

    cdef void unmark_dirty(self, StreamWrites stream):
        """``stream`` flushes by itself now (StreamWrites.flush_early): off
        the list when it is the last one marked (it mostly is: it was
        marked by the write just before), else its turn there finds
        nothing to send."""
        cdef list dirty = self.dirty_streams
        if dirty and dirty[len(dirty) - 1] is stream:
            dirty.pop()
            stream.flush_queued = False

    cdef int hold_flush(self, StreamWrites stream) except -1:
        """While one read's chunks are delivered (``cutting``), ``stream``'s
        flush waits for the last of them; a second stream over its
        threshold meanwhile sends the first one's at once."""
        cdef StreamWrites held = self.held_flush
        if held is not stream:
            self.held_flush = stream
            if held is not None:
                held.flush_held()
        return 0

    cdef int end_cut(self) except -1:
        cdef StreamWrites held = self.held_flush
        self.cutting = False
        if held is not None:
            self.held_flush = None
            held.flush_held()
        return 0

    cdef int flush_crowded_turn(self) except -1:
        """Send the writes gathered so far in this turn now, when they are
        many: a server at hundreds of connections whose reads one poll
        brought.  Its first answers otherwise waited for every other read
        of the turn, so its p99 was the whole turn, and every answer's
        objects stayed alive, out of the cache, until the flush before the
        poll (HTTP keep-alive at 500 connections, at 64 streams: p99 7.4 ->
        3.6 ms, user CPU per request 1.95 -> 1.52 us).  Fewer are left for that flush,
        which sends them together.  Called at the end of a read, whose
        callback's return then drains the ticks."""
        cdef list batch
        if len(self.dirty_streams) >= CROWDED_TURN_STREAMS:
            batch = self.dirty_streams
            self.dirty_streams = []
            self.flush_streams(batch, False)
        return 0

    cdef void flush_all(self):
        cdef list batch
        if self.held_count:
            self.send_held()
        # A write callback may write again; those writes join the next
        # round of this same flush, so nothing waits behind a poll.
        while self.dirty_streams:
            batch = self.dirty_streams
            self.dirty_streams = []
            self.flush_streams(batch, True)
        uv.uv_prepare_stop((<Loop>self.owner).flush_prepare)

    cdef void flush_streams(self, list batch, bint each_a_callback):
        cdef object item
        cdef StreamWrites stream
        for item in batch:
            # Only mark_dirty() fills the list: no type test per stream.
            stream = <StreamWrites>item
            stream.flush_queued = False
            try:
                stream.flush()
            except BaseException as exc:
                (<Loop>self.owner).report(exc)
            if each_a_callback:
                (<Loop>self.owner).after_callback()


cdef void flush_dirty_streams(uv.uv_prepare_t* handle) noexcept:
    # A loop callback (see loop/loop.pyx, "The GIL"): takes the GIL first.
    uv.pyuvnet_take_gil(handle.loop)
    flush_with_gil(handle)


cdef void flush_with_gil(uv.uv_prepare_t* handle) noexcept:
    # The handle's data is the Loop, as for its other handles
    # (close_every_handle closes those as the loop's own).
    (<Loop>handle.data).flusher.flush_all()


cdef inline void take_gil_after_reads(uv.uv_loop_t* uvloop) noexcept:
    """pyuvnet_take_gil for a poll callback that is not a read (an
    accept, a connect, a write's or a FIN's completion): the reads the
    poll brought before it reach their listeners first, and the writes
    those held leave, as Node ran them before this callback."""
    cdef WriteFlusher flusher
    uv.pyuvnet_take_gil(uvloop)
    flusher = (<Loop>uvloop.data).flusher
    if flusher is not None and flusher.reads_held:     # (None: a Loop being freed)
        flusher.release_held()


cdef void deliver_held(Loop loop, Stream stream, PyObject* chunk) noexcept:
    """A held read, as read_for would have delivered it (bytesRead grows
    now); nothing for a stream destroyed meanwhile."""
    cdef object consumer
    if stream._destroyed:
        return
    stream.bytes_read += PyBytes_GET_SIZE(<bytes>chunk)
    if (stream.flowing == 1 and not stream.read_queue and stream.write_target is None
            and stream.pipe_link is None and stream.consumer is not None
            and not loop.cut_turn_short()):
        # Stream.deliver's call of a listener, without its try block: one
        # C call per read (a Python loop over the poll's reads costs more
        # on CPython 3.11: docs/DESIGN.md).
        consumer = stream.consumer
        stream.first_of_read = True
        if call_one(<PyObject*>consumer, chunk) < 0:
            stream.first_of_read = False
            report_raised(loop)
        stream.first_of_read = False
    else:
        deliver_slowly(loop, stream, <bytes>chunk)
    loop.after_callback()


cdef void deliver_slowly(Loop loop, Stream stream, bytes chunk) noexcept:
    # Paused, or run() about to return (the chunk then waits for the next
    # run(), as the stream's further reads do: hold_reading).
    try:
        if loop.cut_turn_short():
            stream.keep_unread(chunk)
            loop.hold_reading(stream)
        else:
            stream.deliver(chunk)
    except BaseException as exc:
        loop.report(exc)


cdef int raised() except -1:
    # -1: the exception already set propagates to the caller's try block.
    return -1


cdef void report_raised(Loop loop) noexcept:
    """The exception a C call left set, kept for run()."""
    try:
        raised()
    except BaseException as exc:
        loop.report(exc)


# A loop callback's step on one object, called as a C function that does
# not check for an exception: the callback tests its -1 (the exception
# set) and hands it to report_raised.  A try block around the step would
# save and restore the thread's exception state each time (about 20
# instructions, per connection on the close side).
ctypedef int (*unchecked_step)(object target) noexcept


cdef void deliver_held_reads(uv.uv_check_t* handle) noexcept:
    # A loop callback (see loop/loop.pyx, "The GIL"): takes the GIL first.
    uv.pyuvnet_take_gil(handle.loop)
    held_reads_with_gil(handle)


cdef void held_reads_with_gil(uv.uv_check_t* handle) noexcept:
    (<Loop>handle.data).flusher.end_of_poll()
