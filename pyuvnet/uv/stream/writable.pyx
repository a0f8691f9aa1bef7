# StreamWrites: the write half of a Stream (uv/stream/stream.pyx), as its first
# C base (StreamReadable, the read half, uv/stream/readable.pyx, is the next).
#
# Write path: ``write()`` appends to ``write_queue``; the loop's prepare handle
# calls ``flush()`` once per turn, which sends the whole queue as one vectored
# ``uv_try_write`` and hands what the kernel did not take to ``uv_write``
# (uv/stream/write_requests.pyx).  A write that would make the queue reach the
# high-water mark sends it at once instead, so that write() answers as Node's
# does, from what the kernel left.  ``bytes`` are referenced, never copied;
# other buffers are copied at ``write()`` so the caller may reuse them.  After
# end(), the queue is followed by our FIN (``uv_shutdown``; its callback is in
# uv/stream/write_requests.pyx).  What the queue holds, and the pool of its
# empty lists, are in uv/stream/write_queue.pyx; the first write of a read's
# 'data' listener, sent at once or held to the poll's end, is in
# uv/stream/held_writes.pyx; what destroy() does to the writes, in
# uv/stream/discarded_writes.pyx; the writes once the program took the
# Writable API (HEARD_WRITES: the stream core runs them), in
# uv/stream/taken_writes.pyx.
#
# A base class rather than a file of helpers, because a cdef class cannot be
# split across files: every field and method stays a C access, and the
# methods the subclass implements (``emit_finish``) are virtual cdef methods.
#
# Callbacks into the Python facade (Socket), each entered once per event:
#   _on_stream_error(exc)      a read or write failed
# A write refused (after end(), after destroy(), with no handle) runs
# Node's sequence from the stream core, through the write seam
# (uv/stream/node_writes.pyx).

cdef enum:
    HIGH_WATER_MARK = 65536        # Node >= 22's default for both directions
    # Gathering saves syscalls for small writes only: once this much waits,
    # it leaves at once, while the bytes are still in the CPU's cache
    # (after the last chunk, when one read brought several:
    # WriteFlusher.hold_flush).
    FLUSH_NOW_BYTES = 65536


cdef enum:
    # StreamWrites.heard
    HEARD_END = 1
    HEARD_FINISH = 2
    HEARD_CLOSE = 4
    HEARD_DRAIN = 8
    HEARD_READABLE = 16
    # Not an event: the program took the Writable API (take_writes,
    # _internal/streams/native.py), and the stream core's WritableState
    # runs the write sequences (uv/stream/taken_writes.pyx).  A spare bit
    # of a field every write reads: one test on the C path.
    HEARD_WRITES = 32
    # Nor this: the callbacks of writes C held when the writes were taken
    # wait for the state's write in flight (uv/stream/taken_writes.pyx).
    HEARD_HELD_CALLBACKS = 64
    # StreamWrites.ticks
    TICK_DRAIN = 1
    TICK_END = 2
    TICK_END_FIRST = 4      # both wait, 'end' queued first
    # StreamWrites.fin_listener: Node's onReadableStreamEnd, every
    # socket's first 'end' listener (Stream's), ran with allowHalfOpen
    # False: write() after end() is Node's writeAfterFIN (EPIPE, "This
    # socket has been ended by the other party").
    FIN_LISTENER_RAN = 1


# A uv_shutdown_t (first: the callback's pointer is the struct's) that
# knows whether it is a handle block's room (busy until its callback,
# which libuv runs before the handle's close callback frees the block) or
# malloc'ed.
ctypedef struct fin_request:
    uv.uv_shutdown_t req
    bint in_room
    bint busy


cdef class StreamWrites(Handle):
    """The write path of a Stream: gathering, flushing, 'drain', our FIN."""

    # The fields an echo's read and write touch come first, together: the C
    # struct keeps the declaration order, so they share fewer cache lines,
    # which the kernel's work between two messages has evicted.
    cdef list write_queue           # None until the first write(); flush() keeps
                                    # it for the next turn once all of it left
    cdef bint first_of_read         # a 'data' listener of this stream's own read
                                    # runs and has not written yet (send_at_once)
    cdef int uncorked_writes        # write_queue's first entries, released together by
                                    # uncork() or end() (Node's one writev of them)
    cdef bytes deferred             # that first write, counted as written and not yet
                                    # offered to the kernel (send_held)
    cdef int write_reqs
    cdef int corked
    cdef bint need_drain
    cdef public bint ending
    """Internal: end() was called; FIN leaves once the queue is empty."""
    cdef bint connected
    cdef Py_ssize_t write_hwm
    cdef public object _idle        # the facade's IdleTimeout, once setTimeout() was called
    cdef uint64_t bytes_written
    cdef Py_ssize_t queued_bytes
    cdef Py_ssize_t inflight_bytes
    # The object fields of the read half (StreamReadable) and of Stream are
    # here too: Cython gives each class level with object fields its own
    # deallocator, which untracks and re-tracks the object for the GC
    # (about 35 instructions a level, per connection); levels without
    # any share this one.  First those a read touches first.
    cdef list read_queue            # None until a chunk has to wait (most sockets never)
    cdef StreamWrites through       # where reads go first, without the GIL (write_through):
                                    # write_target, or pipe_link's destination when it is a Stream
    cdef object consumer
    cdef StreamWrites write_target  # consumer is this stream's own write (C, no call)
    cdef PipeLink pipe_link         # consumer is a pipe() (C, no call)
    cdef object sink                # fed whole reads by feed_sink while sink_on
    cdef object sink_listener       # the sink's 'data' listener
    cdef object onread              # Node's onread: takes every chunk, no 'data'
    # setEncoding()'s decoder; once the Readable API was taken (flowing is
    # NODE_READS: uv/stream/readable.pyx), the stream core's ReadableState, which
    # the reads push into and which has the decoder then.  One slot for
    # both: a field more would take an accepted socket past pymalloc's
    # 512 bytes, to the system's malloc (270 instructions a connection).
    cdef object decoder
    # Stream's: the facade's per-connection references, kept here rather
    # than in an instance dict, which an accepted socket then never needs.
    cdef public object _server          # Socket.server
    cdef ServerCore counted_by          # the Server counting this connection
    cdef public object _connect_plan    # the facade's ConnectPlan while it connects
    cdef public object _reconnect       # (args, kwargs) of a connect() waiting for 'close'
    # The rest.
    cdef list write_callbacks       # None until a write() gives a callback; then
                                    # one entry (maybe None) per write_queue entry
    cdef list spare_callbacks       # flush()'s emptied write_callbacks, for the
                                    # next write() with a callback (no list made)
    cdef tuple dropped              # after destroy() with a write request in flight:
                                    # (its error, the callbacks of the writes it
                                    # dropped), until the last request calls back
    cdef int queued_callbacks       # non-None entries of write_callbacks
    cdef bint writing_now           # flush() runs inside write()
    cdef int reqs_in_flight         # the write requests at the head that Node would have
                                    # handed to the kernel (stream/discarded_writes.pyx)
    cdef bint answer_before_send    # write() answers from the count before the
                                    # kernel is offered the data (a TLS socket's
                                    # raw stream: Node's TLSWrap calls back later,
                                    # so a TLS write of the mark answers False)
    # Which events have listeners (HEARD_*, kept by Stream._listeners_changed):
    # C emits them only then, without a lookup in the listener table each
    # time.  (Listeners dropped without that hook leave a bit set: an emit
    # that finds none.)
    cdef unsigned char heard
    cdef unsigned char ticks        # this stream's queued ticks (TICK_*, on_tick)
    # What Node's own 'end' listener did (FIN_LISTENER_*, Stream's): in
    # the padding after the two flags above, no byte more.
    cdef unsigned char fin_listener
    cdef bint flush_queued
    cdef public bint connecting     # a connect is under way (writes wait)
    """True from connect() until 'connect' (or the failure); writes made
    meanwhile wait for the connection."""
    cdef bint shutdown_sent         # (beside the flags above: no padding)
    cdef public uint64_t last_activity   # loop time of the last read/write
    """Internal: the loop time (ms) of the last read or write, stamped
    while ``_idle`` is set."""
    # Room for our FIN's request at the end of the handle's own block
    # (tcp_init, pipe_init make it), NULL when the handle has none: no
    # malloc and free per connection.
    cdef fin_request* fin_room
    # No __cinit__ here: StreamReadable's sets write_hwm, as every level's
    # __cinit__ is one more call (its arguments repacked) per connection made.

    # -- properties the facade exposes ------------------------------------

    @property
    def bytesWritten(self):
        """Bytes written so far, counted when write() takes them (as Node,
        before they have left): those handed on, and those the write
        state buffers (corked, or behind a write in flight), as Node's
        getter adds its writableBuffer."""
        cdef Py_ssize_t buffered = 0
        if self.heard & HEARD_WRITES:
            # The stream core's buffer is counted when it leaves (_send_writes).
            for entry in self._writableState.getBuffer():
                buffered += len(entry['chunk'])
        return self.bytes_written + buffered

    @property
    def _writes_taken(self):
        """Whether the stream core's WritableState runs the writes (take_writes)."""
        return self.heard & HEARD_WRITES != 0

    @property
    def writableLength(self):
        """Bytes written and not yet taken by the kernel (queued or in a
        pending write request; a chunk the kernel took part of counts
        whole until all of it left, as Node's)."""
        if self.heard & HEARD_WRITES:
            return self._writableState.length
        self.send_gathered()
        return self.queued_bytes + self.inflight_bytes

    cdef int send_gathered(self, bint call_back=False) except -1:
        """Writes gathered for the turn's writev leave now: Node's would
        be in the kernel by now, and its writableLength 0 (rarely asked:
        the gathering keeps its speed elsewhere).  Their callbacks are
        called now when ``call_back`` (outside a user's call), else on the
        next tick, as inside write()."""
        send_owed(self)
        if self.flush_queued and not self.writing_now and self.write_reqs == 0:
            self.loop.flusher.unmark_dirty(self)
            if call_back:
                self.flush()
            else:
                self.flush_now()
        return 0

    @property
    def writableBuffer(self):
        """The writes Node would hold in its buffer: those waiting while
        corked or behind a write the kernel has not taken, as Node's
        entries ({'chunk', 'encoding', 'callback'}); gathered writes of
        this loop turn are, for Node, in the kernel already."""
        if self.heard & HEARD_WRITES:
            return self._writableState.getBuffer()
        if not self.write_queue or not (self.corked or self.write_reqs):
            return []
        return self.queued_entries(None)

    cdef list queued_entries(self, object no_callback):
        """The queued writes as Node's buffer entries ({'chunk',
        'encoding', 'callback'}), ``no_callback`` for a write given none."""
        cdef list callbacks = self.write_callbacks
        return [{'chunk': chunk, 'encoding': 'buffer',
                 'callback': no_callback if callbacks is None or callbacks[i] is None
                 else callbacks[i]}
                for i, chunk in enumerate(self.write_queue or ())]

    @property
    def writableHighWaterMark(self):
        """write() returns False once writableLength reaches this (65536)."""
        return self.write_hwm

    @property
    def _connected(self):
        """The handle is connected (Python's view of the C flag)."""
        return self.connected

    @_connected.setter
    def _connected(self, bint value):
        self.connected = value

    @property
    def writableCorked(self):
        """How many cork() calls wait for their uncork()."""
        if self.heard & HEARD_WRITES:
            return self._writableState.corked
        return self.corked

    @property
    def writableNeedDrain(self):
        """True after write() returned False, until 'drain'."""
        cdef object w
        if self.heard & HEARD_WRITES:
            w = self._writableState
            return not w.destroyed and not w.ending and w.needDrain
        send_owed(self)
        return self.need_drain

    # -- write path --------------------------------------------------------

    def write(self, data, encoding=None, callback=None):
        """Queue ``data`` (bytes-like, or str in ``encoding``); returns
        False once the buffered amount reaches writableHighWaterMark, and
        'drain' follows when the buffer empties.  ``callback(err)`` runs
        after the data left (``err`` is None) or failed."""
        # Arguments left as given (none reassigned here): Cython then takes
        # no reference to each per call, on the path of every echo.
        if type(data) is bytes and encoding is None and callback is None:
            return self.write_bytes(<bytes>data, None) == 1
        return self.write_any(data, encoding, callback)

    cdef bint write_any(self, object data, object encoding, object callback) except -1:
        """write() of anything else: a str, a buffer, a callback."""
        if callback is None and callable(encoding):
            callback, encoding = encoding, None
        elif callback is not None and not callable(callback):
            callback = None     # as Node's write(): no function, no callback
        if encoding is None and isinstance(data, str):
            encoding = self._default_encoding   # setDefaultEncoding()'s
        return self.write_bytes(<bytes>to_bytes(data, encoding), callback) == 1

    cdef int write_bytes(self, bytes data, object callback) except -1:
        """write() of bytes: 1 while under the high-water mark (or, at once,
        taken whole: send_at_once), else 0.
        What a Stream's read path calls when this stream's own write is
        the sole 'data' listener (Stream.write_target), with no call."""
        cdef Py_ssize_t sent = 0, n
        cdef int ok = 1
        if self.heard & HEARD_WRITES:
            if self.ending and self.fin_listener & FIN_LISTENER_RAN:
                # Node's writeAfterFIN is the socket's write(), ahead of
                # the stream core's.
                node_writes.refuse_write(self, self.write_after_end_error(), callback)
                return 0
            return 1 if TAKEN_WRITE(self, data, None, callback) else 0
        send_owed(self)
        if self.first_of_read:
            self.first_of_read = False
            if callback is None:
                if defer_send(self, data):
                    return 1
                sent = send_at_once(self, data)
                if sent == PyBytes_GET_SIZE(data):
                    if self._idle is not None:
                        self.last_activity = uv.uv_now(self.loop.uvloop)
                    return 1
        if not self.writable_now(callback):
            return 0
        if sent == 0:
            self.queue_bytes(data, callback)
        else:
            # The kernel took part: the rest follows now (bytesWritten
            # counted what left).
            send_rest(self, data, sent)
        if self._idle is not None:
            # Only a socket with an idle timeout needs its activity time.
            self.loop.refresh_time()
            self.last_activity = uv.uv_now(self.loop.uvloop)
        n = self.queued_bytes + self.inflight_bytes
        if (n >= self.write_hwm and self.corked == 0 and self.write_reqs == 0
                and not self.answer_before_send and self.write_queue):
            # The answer would be False: Node would have handed every
            # write to the kernel already, and answers with what it has
            # not taken (Node 20's writeOrBuffer looks after _write), so
            # the queue is offered to it now.  Writes that stay under the
            # mark are gathered: their answer is True either way.
            self.flush_now()
            n = self.queued_bytes + self.inflight_bytes
        # As Node: a chunk counts whole until all of it has left.
        if n >= self.write_hwm and n > 0:
            self.need_drain = True
            ok = 0
        if self.corked == 0 and self.write_queue:
            if (self.queued_bytes >= FLUSH_NOW_BYTES and self.queued_callbacks == 0
                    and self.write_reqs == 0):
                if self.loop.flusher.cutting:
                    # One read's chunks are being delivered: their writes
                    # leave as one writev after the last (read_with_gil).
                    self.loop.flusher.hold_flush(self)
                else:
                    self.flush_now()
            elif not self.flush_queued:
                self.flush_queued = True
                self.loop.flusher.mark_dirty(self)
        return ok

    cdef inline int queue_bytes(self, bytes data, object callback) except -1:
        """``data`` (and ``callback``, maybe None) to the end of the write
        queue, counted as queued and written; what leaves it, and when, is
        the caller's."""
        cdef Py_ssize_t n = PyBytes_GET_SIZE(data)
        if self.write_queue is None:
            self.write_queue = new_write_queue(data)
        else:
            self.write_queue.append(data)
        if callback is not None:
            if self.write_callbacks is None:
                self.write_callbacks = self.new_callbacks(len(self.write_queue) - 1)
            self.write_callbacks.append(callback)
            self.queued_callbacks += 1
        elif self.write_callbacks is not None:
            self.write_callbacks.append(None)
        self.queued_bytes += n
        self.bytes_written += n
        return 0

    cdef list new_callbacks(self, Py_ssize_t nones):
        """write_callbacks for a queue whose first ``nones`` entries have
        none: the spare list when there is one (an HTTP connection's every
        response has a callback, 'finish')."""
        cdef list callbacks = self.spare_callbacks
        if callbacks is None:
            return [None] * nones
        self.spare_callbacks = None
        for _ in range(nones):
            callbacks.append(None)
        return callbacks

    cdef int write_after(self, bytes head, bytes data, object callback) except -1:
        """write_bytes() of ``head`` then ``data`` as two entries of the
        queue, which leave in one writev: an HTTP message's head and body go
        out together without the copy that joining them would cost (a tenth
        of a pipelined hello's allocations).  ``callback`` follows ``data``;
        a refused write is refused as write_bytes() refuses one."""
        send_owed(self)
        if self.ending or self.heard & HEARD_WRITES or not self.is_writable_state():
            return self.write_bytes(head + data, callback)
        self.queue_bytes(head, None)
        return self.write_bytes(data, callback)

    cdef int flush_held(self) except -1:
        """The read whose chunks held this stream's flush is delivered."""
        if (self.queued_bytes >= FLUSH_NOW_BYTES and self.queued_callbacks == 0
                and self.write_reqs == 0 and self.corked == 0):
            self.flush_now()
        elif self.write_queue or self.ending:
            self.schedule_flush()
        return 0

    cdef int flush_now(self) except -1:
        # Inside a user's call (write(), uncork()): 'drain' and the write
        # callbacks are put off to the next tick (write_done), as Node's.
        self.writing_now = True
        try:
            self.flush()
        finally:
            self.writing_now = False
        return 0

    cdef int flush_early(self, bint last) except -1:
        """Send what is queued now rather than before the loop polls, when
        several writes wait for their callbacks: the http server's, once
        one read's pipelined requests are answered, so that their messages
        are done and freed before the next connection's read.  A turn's
        pipelined answers, all alive until the poll, were megabytes at 500
        connections, and every allocation missed the cache.  (One answer
        per read waits for the poll, with the turn's others: one writev
        each either way, and the loop's turn serves more reads.)  Also
        when end() was called and ``last`` says nothing else will come
        (the server's Connection: close answer): libuv sends our FIN from
        its pending queue, which a flush before the poll reaches only after
        that poll's events, so the client saw the answer and the FIN a
        whole turn apart, and woke twice.  Not inside write(): its
        callbacks run here."""
        if ((self.queued_callbacks > 1 or (last and self.ending))
                and self.flush_queued and not self.writing_now):
            self.loop.flusher.unmark_dirty(self)
            self.flush()
        return 0

    cdef bint writable_now(self, object callback) except -1:
        """Whether a write may be queued; otherwise refuses it as Node
        does, through the stream core's sequences: after end() or destroy()
        as Node's _write() (the callback on the next tick, and the
        stream destroyed now unless it was already), and on a stream
        with no handle as Node's _writeGeneric (the failure on the next
        tick)."""
        if self.ending:
            node_writes.refuse_write(self, self.write_after_end_error(), callback)
            return False
        if not self.is_writable_state():
            if self.is_destroyed():
                node_writes.refuse_write(self, errors.ERR_STREAM_DESTROYED('write'), callback)
            else:
                node_writes.write_failed(self, errors.ERR_SOCKET_CLOSED(), callback)
            return False
        return True

    cdef object write_after_end_error(self):
        """The error of a write after end(): Stream's tells the peer's
        end apart."""
        return errors.ERR_STREAM_WRITE_AFTER_END()

    cdef bint is_destroyed(self):
        return True

    cdef bint is_writable_state(self):
        # While connecting there may be no handle yet: writes wait in the queue.
        if self.handle == NULL:
            return self.connecting
        return not uv.uv_is_closing(self.handle)

    def cork(self):
        """Hold writes until ``uncork()``; they then leave as one write."""
        if self.heard & HEARD_WRITES:
            TAKEN_CORK(self)
            return
        send_owed(self)
        self.corked += 1

    def uncork(self):
        """Undo one cork(); after the last, what was held leaves."""
        if self.heard & HEARD_WRITES:
            TAKEN_UNCORK(self)
        elif self.corked > 0:
            self.corked -= 1
            if self.corked == 0 and (self.write_queue or self.ending):
                if self.write_queue:
                    self.uncorked_writes = len(self.write_queue)
                if (self.need_drain or self.queued_callbacks) and self.write_reqs == 0:
                    # A write() answered False for the held data, or gave
                    # a callback: Node hands it to the kernel in uncork(),
                    # and 'drain' and the callbacks follow on the next
                    # tick, ahead of ticks queued after uncork().
                    self.flush_now()
                else:
                    self.schedule_flush()

    cdef void schedule_flush(self):
        if not self.flush_queued:
            self.flush_queued = True
            self.loop.flusher.mark_dirty(self)

    cdef int flush(self) except -1:
        """Send the queue: one vectored try_write, the rest through uv_write.
        Called by the loop before it polls."""
        cdef list buffers, callbacks
        cdef Py_ssize_t nbytes, r
        cdef int reqs
        send_owed(self)
        if self.corked or not self.connected or not self.is_open():
            return 0
        if self.write_queue:
            buffers = self.write_queue
            callbacks = self.write_callbacks
            nbytes = self.queued_bytes
            self.write_queue = None
            self.write_callbacks = None
            self.queued_callbacks = 0
            self.queued_bytes = 0
            self.inflight_bytes += nbytes
            reqs = self.write_reqs
            r = send_buffers(self, buffers, callbacks, nbytes)
            self.uncorked_writes = 0
            if r < 0:
                self.inflight_bytes -= nbytes
                self.write_done(callbacks, <int>r)
                return 0
            if r == nbytes and self.write_reqs == reqs:
                # (An empty write behind a request is one too: send_bufs.)
                self.inflight_bytes -= nbytes
                self.write_done(callbacks, 0)
                if self.write_queue is None:
                    # All of it left and nothing was written meanwhile: no
                    # WriteRequest holds the list, so the next turn reuses it.
                    uv.pyuvnet_list_empty(buffers)
                    self.write_queue = buffers
                if callbacks is not None:
                    # Called and held by no WriteRequest: kept for the next.
                    uv.pyuvnet_list_empty(callbacks)
                    self.spare_callbacks = callbacks
        if self.ending and not self.shutdown_sent and not self.write_queue:
            send_fin(self)
        return 0

    cdef void write_done(self, list callbacks, int status):
        """Data of ``callbacks``' writes left (status 0) or failed: as Node,
        'drain' first, then the callbacks in order (``callbacks`` is None
        when no write had one).  A request that calls back after destroy()
        goes to write_request_after_close instead
        (stream/discarded_writes.pyx)."""
        cdef object err = None
        if status < 0:
            err = errors.errno_exception(status, 'write')
        elif self.writing_now:
            if self.need_drain:
                self.queue_tick(TICK_DRAIN)
        else:
            self.drain_if_empty()
        if callbacks is not None:
            call_write_callbacks(self, callbacks, err)
        if status < 0:
            self._on_stream_error(err)

    cdef void drain_if_empty(self):
        """'drain', when a write() returned False and the buffer is empty;
        never after destroy() (as Node's afterWrite), e.g. on the tick that
        uncork() queued before it."""
        if (self.need_drain and self.queued_bytes + self.inflight_bytes == 0
                and not self.ending and self.is_writable_state()):
            self.need_drain = False
            if self.heard & HEARD_DRAIN:
                try:
                    self._emit('drain', ())
                except BaseException as exc:
                    # The write callbacks after it still run.
                    self.loop.report(exc)

    # -- ticks ---------------------------------------------------------------
    #
    # A stream queues itself on the loop's nextTick queue (call_soon_tick,
    # no bound method or tuple made) for 'drain' once data a write()
    # answered False for left inside a call (uncork(), a write to a TLS
    # socket's raw stream), and for the
    # peer's 'end' (Stream).  At most one of each waits; ``ticks`` says
    # which, and which was queued first, so that each entry runs its own
    # in the queue's order.

    cdef void queue_tick(self, unsigned char kind):
        if self.ticks & kind:
            return      # 'drain' already on its way: it looks when it runs
        if self.ticks:
            # The other kind waits ahead of this one.
            self.ticks = (self.ticks & ~TICK_END_FIRST) | (TICK_END_FIRST if kind == TICK_DRAIN else 0)
        self.ticks |= kind
        self.loop.call_soon_tick(self)

    cdef int on_tick(self) except -1:
        cdef unsigned char kind = self.ticks & (TICK_DRAIN | TICK_END)
        if kind == TICK_DRAIN | TICK_END:
            kind = TICK_END if self.ticks & TICK_END_FIRST else TICK_DRAIN
        self.ticks &= ~(kind | TICK_END_FIRST)
        if kind == TICK_DRAIN:
            self.drain_if_empty()
        elif kind == TICK_END:
            self.end_tick()
        return 0

    cdef int end_tick(self) except -1:
        """The peer's FIN, a tick after the last 'data': Stream's 'end'."""
        return 0

    cdef int end_writes(self) except -1:
        """No more writes; FIN follows the queue (end()).  Ending uncorks,
        as Node's end() does.  With nothing gathered to send first, the FIN
        is handed to libuv at once, as Node's end() does: not a loop turn
        later from the flush (a turn whose poll would also find the peer's
        FIN again); a failure is left to that flush, which reports it."""
        send_owed(self)
        if not self.ending:
            self.ending = True
            if self.corked and self.write_queue:
                self.uncorked_writes = len(self.write_queue)
            self.corked = 0
            if (self.write_queue or not self.connected or not self.is_open()
                    or start_fin(self) < 0):
                self.schedule_flush()
        return 0

    # -- the stream core's _write(), _writev(), _final() (HEARD_WRITES) --------
    # (uv/stream/taken_writes.pyx)

    def _send_writes(self, list chunks, callback):
        """``chunks`` (bytes) to the kernel now, and ``callback`` after the
        last (send_taken_writes)."""
        send_taken_writes(self, chunks, callback)

    def _shutdown(self):
        """Our FIN after what was written (the stream core's _final();
        send_taken_fin)."""
        send_taken_fin(self)

    def _flush_soon(self):
        """Send what waited for the connection, on this loop turn."""
        if self.write_queue or self.ending:
            self.schedule_flush()

    cdef void reset_writes(self):
        """Forget a finished connection's write state, for connect() again."""
        self.write_queue = None
        self.write_callbacks = None
        self.deferred = None
        self.queued_callbacks = 0
        self.queued_bytes = 0
        self.inflight_bytes = 0
        self.need_drain = False
        self.reqs_in_flight = 0
        self.uncorked_writes = 0
        self.dropped = None
        self.corked = 0
        self.ending = False
        self.shutdown_sent = False
        self.connected = False
        self.bytes_written = 0

    cdef int emit_finish(self) except -1:
        """Our FIN left or failed: Stream runs Node's 'finish' here."""
        return 0

    # -- hooks the facade overrides ---------------------------------------

    def _on_stream_error(self, err):
        raise err
