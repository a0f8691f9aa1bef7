# StreamReadable: the read half of a Stream (uv/stream/stream.pyx), as its C
# base (above StreamWrites, uv/stream/writable.pyx: a cdef class cannot be
# split across files, and a base class keeps every field and method a C
# access).
#
# Read path (its libuv callbacks: uv/stream/read_callbacks.pyx): libuv reads
# into the loop's buffer (no GIL needed); each chunk becomes one ``bytes``
# handed to ``consumer`` with one Python call.
# ``consumer`` is the sole 'data' listener itself when there is exactly one
# and no decoding, else the emitter; when that listener is a stream's own
# write() (``sock.on('data', sock.write)``, Node's echo), the chunk is
# queued there in C (``write_target``), without the call.  While the stream
# is not flowing, chunks wait in ``read_queue`` (reading stops once it
# holds a high-water mark's worth).
#
# Chunk reuse: a chunk's bytes object comes from the loop's small pool
# (pyuvnet_chunk in pyuvnet_compat.h), which refills one of the same size
# that only the pool still references: an echoed chunk, once written, is
# the next read's, and the allocator is not called per message.  A chunk a
# listener keeps (or views, or hashed into a dict) has a second reference
# and is never refilled.
#
# A pipe() or a stream's own write that is the sole 'data' listener first
# offers each read to the destination's kernel straight from the buffer,
# without the GIL (write_through, uv/stream/read_callbacks.pyx); only what is
# left becomes chunks.
#
# A sink (TLSPump's feed, the raw socket of a TLSSocket; HTTPParser's, a
# plain HTTP connection) takes whole reads where libuv left them, with no
# chunk made, while its listener is the sole 'data' one and the stream
# flows with nothing queued.  A sink may also say where the next read
# lands (``sink_buffer``): HTTPParser, in a body, offers a bytes object
# that the read fills and that becomes the 'data' chunk, so that a body's
# bytes are not copied at all in user space; between messages it may ask
# for a read of just the next head's length, so that the body after it
# comes with a read of its own, into such a bytes object.


# Node's Readable API on a Stream.  Until a program takes it (read(),
# unshift(), a 'readable' listener, async iteration), the read side is the
# C fields below: 'data' in flowing mode, pause() and resume(), the paths
# above.  Taking it (streams.native.take_reads) makes a stream core
# ReadableState, ``_readableState``; from then on ``flowing`` is
# NODE_READS, every read is pushed into that state (push_node), the
# peer's FIN is its push(None), and the stream core runs Node's sequences
# over it: read(n) and howMuchToRead, 'readable', flowing, pause and
# resume, endReadable.  The state asks for reads with _read(), and a push
# it refuses (its high-water mark reached) stops reading.  Every path
# above tests ``flowing == 1``, so none of them is taken then.
cdef enum:
    NODE_READS = 2
    # A read of this much or more, of a stream whose reads the stream core
    # buffers, lands the next in a chunk of its own: copying it out of the
    # loop's buffer cost more than the chunk cut to size.
    NODE_READS_BIG = 16 * 1024

# A new stream's high-water mark, both ways: stream.setDefaultHighWaterMark()
# sets it (with the stream core's own default), so that it reaches new sockets
# and TLS sockets as it reaches every other stream.
cdef Py_ssize_t default_hwm = HIGH_WATER_MARK


def set_default_high_water_mark(Py_ssize_t value):
    """The byte-mode default of stream.setDefaultHighWaterMark(), as the
    sockets made from now on take it (the caller validated it)."""
    global default_hwm
    default_hwm = value

# The stream core's read sequences over ``_readableState`` are reached
# through the read seam (node_reads, uv/stream/node_reads.pyx); the state's
# fields are read here as attributes (_internal.streams._core is above _uv).


cdef Py_ssize_t readable_heard(EventEmitter stream, object state,
                               Py_ssize_t before) except -1:
    """'readable' listeners of a C stream (a Stream, a TLS pump, an
    IncomingCore) came or went, ``before`` of them before: the first takes
    the Readable API (its ``state`` None so far); then Node's on() and
    removeListener() hooks.  Returns how many there are now."""
    cdef object handler = stream._handler('readable')
    cdef Py_ssize_t count = (0 if handler is None else
                             len(<tuple>handler) if type(handler) is tuple else 1)
    if state is None:
        if count == 0:
            return 0
        node_reads.take_reads(stream)
    if count > before:
        node_reads.listener_added(stream, 'readable')
    else:
        node_reads.listeners_gone(stream)
    return count


cdef inline bint read_queue_full(Py_ssize_t queued, Py_ssize_t mark) noexcept:
    """Whether a C read side that is not flowing stops reading: a
    high-water mark's worth waits unread. An empty queue reads whatever
    the mark, as Node's read() does, so a mark of 0 still reads the
    peer's end (a Stream's start_reading(), a TLSPump's plaintext)."""
    return queued > 0 and queued >= mark


cdef int hand_over(object state, object flowing, object decoder, bint end_emitted,
                   bint closed) except -1:
    """What a C stream's read side gives the ReadableState that takes it
    over (its _take_reads): its flowing mode (None, False, True), its
    decoder, an 'end' already emitted, its being closed."""
    state.flowing = flowing
    if flowing is False:
        state.paused = True
    state.decoder = decoder
    if end_emitted:
        state.ended = state.endEmitted = True
    state.destroyed = state.closed = closed
    return 0


ctypedef int (*stream_sink_fn)(object sink, const char* data, Py_ssize_t size) except -1
# Where the sink wants the next read: ``*size`` bytes at the pointer it
# returns, which stay put until the read has been fed to it; NULL: the
# loop's buffer, of which the sink may ask for less (``*size`` comes in as
# the buffer's size and may be lowered, never raised).  Called with the
# GIL, from the alloc callback.
ctypedef char* (*stream_sink_buffer_fn)(object sink, size_t* size) noexcept


cdef class StreamReadable(StreamWrites):
    """The read half of a Stream: Node's Readable side of a Duplex."""

    # Those a read touches first (StreamWrites says why).  The read half's
    # object fields are StreamWrites' (it says why too).
    cdef int flowing                # -1: not decided yet, 0: paused, 1: flowing,
                                    # NODE_READS: the stream core's state decides
    cdef bint sink_on               # sink_listener is the sole consumer
    cdef bint big_reads             # the last read filled a chunk (NODE_READS_BIG
                                    # once the stream core reads): the next lands in one
    cdef int readable_listeners     # 'readable' listeners last counted (in the
                                    # padding before bytes_read)
    cdef uint64_t bytes_read
    cdef stream_sink_buffer_fn sink_buffer  # or NULL: reads land in the loop's buffer
    # The rest.
    cdef stream_sink_fn feed_sink
    cdef Py_ssize_t read_queued
    cdef bint reading
    cdef public bint read_eof       # the peer's FIN arrived
    """Internal: the peer's FIN has arrived."""
    cdef bint end_delivered         # _on_end has been called
    cdef public bint readable_side  # reads are wanted at all
    """Internal: reads are wanted at all (False for a write-only fd)."""
    cdef Py_ssize_t read_hwm

    def __cinit__(self):
        # The only __cinit__ of the Stream classes: each level's is one more
        # call per connection made.  No parameters: Cython then passes it
        # none (a class's arguments go to its __init__), rather than
        # checking the constructor's.
        self.flowing = -1
        self.readable_side = True
        self.read_hwm = default_hwm
        self.write_hwm = default_hwm
        self._own_end_listener = True     # Node's onReadableStreamEnd (Stream's)

    # -- properties the facade exposes ------------------------------------

    @property
    def bytesRead(self):
        """Bytes received so far."""
        return self.bytes_read

    @property
    def readableLength(self):
        """Bytes received and waiting for a consumer (while paused)."""
        if self.flowing == NODE_READS:
            return self.decoder.length
        return self.read_queued

    @property
    def readableHighWaterMark(self):
        """Reading stops while this many bytes wait unread
        (stream.getDefaultHighWaterMark(), 65536)."""
        if self.flowing == NODE_READS:
            return self.decoder.highWaterMark
        return self.read_hwm

    @property
    def _readableState(self):
        """The stream core's ReadableState once the Readable API was taken,
        else None (the C fields keep the read side)."""
        return self.decoder if self.flowing == NODE_READS else None

    @property
    def readableFlowing(self):
        """None before anything consumed the data, True while 'data' flows,
        False after pause() (Node's readable.readableFlowing)."""
        if self.flowing == NODE_READS:
            return self.decoder.flowing
        return None if self.flowing < 0 else bool(self.flowing)

    @readableFlowing.setter
    def readableFlowing(self, value):
        # Node's setter: None puts the stream back before any consumer (the
        # next 'data' listener starts the flow); True and False as resume()
        # and pause().
        if self.flowing == NODE_READS:
            self.decoder.flowing = value
        elif value is None:
            self.flowing = -1
        elif value:
            self.start_flowing()
        else:
            self.flowing = 0

    # -- read path ---------------------------------------------------------

    cdef void take_sink(self, object sink, object listener, stream_sink_fn feed,
                        stream_sink_buffer_fn buffer):
        """``sink`` takes this stream's whole reads (``feed``, and
        ``buffer`` unless NULL) while ``listener``, once added, is the sole
        'data' listener."""
        self.sink = sink
        self.sink_listener = listener
        self.feed_sink = feed
        self.sink_buffer = buffer

    cdef void drop_sink(self, object sink):
        """``sink`` no longer takes this stream's reads."""
        if self.sink is sink:
            self.sink = self.sink_listener = None
            self.feed_sink = NULL
            self.sink_buffer = NULL
            self.update_consumer()

    cdef void update_consumer(self):
        cdef object sole = None
        cdef bint heard = False
        if self.onread is None:
            sole = self._sole_listener('data')
            heard = sole is not None or self._handler('data') is not None
        self.consume(sole, heard)

    cdef void consume(self, object sole, bint heard):
        """Choose the read path's consumer, given the sole plain 'data'
        listener (or None) and whether 'data' has any listener."""
        self.write_target = self.through = None
        self.pipe_link = None
        self.sink_on = False
        if self.onread is not None:
            self.consumer = self.onread
            return
        if not heard:
            self.consumer = None
        elif sole is not None and self.decoder is None:
            self.consumer = sole
            self.sink_on = sole is self.sink_listener and self.feed_sink != NULL
            if type(sole) is PipeLink:
                self.pipe_link = <PipeLink>sole
                if self.pipe_link.dest_stream is self.pipe_link.destination:
                    self.through = self.pipe_link.dest_stream
            else:
                self.write_target = self.through = own_write_of(sole)
        else:
            self.consumer = self._emit_data
            self.write_target = None

    def _emit_data(self, chunk):
        if self.decoder is not None:
            chunk = self.decoder(chunk)
            if not chunk:
                return
        self._emit('data', (chunk,))

    def _set_read_consumer(self, consumer):
        """Node's onread mode: every chunk goes to ``consumer`` (never to
        'data'), flowing from the start."""
        self.onread = consumer
        self.update_consumer()
        self.resume()

    def _unshift(self, bytes chunk):
        """Put ``chunk`` back in front of the readable buffer (a consumer
        paused before taking all of it)."""
        if self.read_queue is None:
            self.read_queue = []
        self.read_queue.insert(0, chunk)
        self.read_queued += PyBytes_GET_SIZE(chunk)

    cdef void discard_reads(self) noexcept:
        """What destroy() does to buffered input: drop it, and 'end' with
        it, so that nothing is delivered after 'close'."""
        self.stop_reading()
        self.read_queue = None
        self.read_queued = 0
        self.end_delivered = True

    def _set_decoder(self, decoder):
        self.decoder = decoder
        self.update_consumer()

    cdef int deliver_cut(self, const char* data, Py_ssize_t size) except -1:
        """One of a read's Node-sized chunks, made from the read buffer:
        delivered, or, when run() is to return, kept for the next run(), as
        the reads after it are (hold_reading)."""
        chunk = uv.pyuvnet_chunk(<uv.pyuvnet_loop_t*>self.loop.uvloop, data, size)
        if self.loop.cut_turn_short():
            self.keep_unread(chunk)
        else:
            self.deliver(chunk)
        return 0

    cdef inline int deliver(self, bytes chunk) except -1:
        cdef int failed
        cdef object consumer
        if self.flowing == 1 and not self.read_queue:
            if self.write_target is not None:
                self.write_target.write_bytes(chunk, None)
            elif self.pipe_link is not None:
                self.pipe_link.forward(chunk)
            elif self.consumer is not None:
                # Its first write to this stream leaves at once (send_at_once).
                # The flag is cleared whatever the call did, without a
                # try block (which saves and restores the exception state).
                # ``consumer`` holds the listener through the call, which
                # may remove it.
                consumer = self.consumer
                self.first_of_read = True
                failed = call_one(<PyObject*>consumer, <PyObject*>chunk)
                self.first_of_read = False
                return failed
            return 0
        return self.keep_unread(chunk)

    cdef int keep_unread(self, bytes chunk) except -1:
        """Into the readable buffer, for resume() (or the next run())."""
        if self.flowing == NODE_READS:
            return self.push_node(chunk)
        if self.read_queue is None:
            self.read_queue = []
        self.read_queue.append(chunk)
        self.read_queued += PyBytes_GET_SIZE(chunk)
        if self.read_queued >= self.read_hwm:
            self.stop_reading()
        return 0

    def read(self, size=None):
        """Node's readable.read([size]): ``size`` bytes from the read buffer
        (all of it when None), or None until that many are there; the
        first takes the Readable API.  The stream core's read(), given the
        state this C base keeps."""
        return node_reads.read(self, self.decoder if self.flowing == NODE_READS else None, size)

    def _read(self, n):
        """Node's socket._read(): reads go on (the stream core asks once its
        buffer is under the high-water mark)."""
        self.start_reading()

    def _take_reads(self, state):
        """Hand the read side to ``state`` (a ReadableState), from now on:
        returns what waited unread (a list of bytes, or None), which the
        caller puts in its buffer, and whether the end came and is to be
        pushed after it.  The flowing mode, the decoder and an 'end'
        already emitted go with it."""
        cdef list queue = self.read_queue
        hand_over(state, None if self.flowing < 0 else bool(self.flowing), self.decoder,
                  self._readable_ended, self._destroyed)
        state.errored = getattr(self, '_errored', None)
        self.decoder = state
        self.read_queue = None
        self.read_queued = 0
        self.flowing = NODE_READS
        self.update_consumer()
        if self.read_eof and not self.end_delivered:
            self.end_delivered = True
            return queue, True
        return queue, False

    cdef int node_fin(self) except -1:
        # The peer's FIN, once the read side is the stream core's.
        if self.read_eof and not self.end_delivered and not self._destroyed:
            self.end_delivered = True
            self.push_node(None)
        return 0

    cdef int push_node(self, object chunk) except -1:
        """Node's onStreamRead: the chunk pushed into ``_readableState``;
        reading stops when the push is refused.  The end (None) is pushed,
        then read(0), which ends a stream nobody reads as Node's does."""
        if not node_reads.push(self, chunk):
            self.stop_reading()
        if chunk is None and not self._destroyed:
            self.read(0)
        return 0

    cdef void start_reading(self):
        # Reading goes on while paused, until a high-water mark's worth
        # waits in read_queue (Node's readable buffer).
        cdef int r
        if (self.reading or not self.connected or self.read_eof
                or not self.readable_side
                or read_queue_full(self.read_queued, self.read_hwm)
                or not self.is_open()):
            return
        r = uv.uv_read_start(<uv.uv_stream_t*>self.handle, <uv.uv_alloc_cb><void*>socket_alloc,
                             <uv.uv_read_cb><void*>stream_read)
        if r == 0:
            self.reading = True
            self.loop.io_changed()
        else:
            self._on_stream_error(errors.errno_exception(r, 'read'))

    cdef void stop_reading(self) noexcept:
        if self.reading:
            self.reading = False
            if self.handle != NULL:
                uv.uv_read_stop(<uv.uv_stream_t*>self.handle)

    cdef int on_read_end(self, ssize_t nread) except -1:
        # The read callback's last step (read_for): only the loop's
        # after_callback follows it.
        self.stop_reading()
        if nread == uv.UV_EOF:
            self.read_eof = True
            self.maybe_deliver_end(not self.loop.maybe_queued)
        else:
            self._on_stream_error(errors.errno_exception(<int>nread, 'read'))
        return 0

    cdef int maybe_deliver_end(self, bint last=False) except -1:
        # 'end' waits for the data before it; paused with none waiting, it
        # comes all the same (Node's onStreamRead: push(null), then read(0)).
        if self.flowing == NODE_READS:
            return self.node_fin()
        if self.read_eof and not self.read_queue and not self.end_delivered:
            self.end_delivered = True
            # Node emits 'end' on the next tick after the last 'data'.
            if last and not self.ticks:
                # ``last``: the callback ends here with nothing queued, so
                # that tick would be all its after_callback runs: it runs
                # now, without a queue entry per connection.
                self.end_tick()
            else:
                self.queue_tick(TICK_END)
        return 0

    def pause(self):
        """Stop 'data' events until ``resume()``; what arrives meanwhile
        waits in the readable buffer (readableLength), up to
        readableHighWaterMark, then reading stops."""
        if self.flowing == NODE_READS:
            node_reads.pause(self)
            return self
        self.flowing = 0
        return self

    def resume(self):
        """Start or restart 'data' events; what arrived meanwhile comes
        first, on the next tick."""
        if self.flowing == NODE_READS:
            node_reads.resume(self)
            return self
        self.start_flowing()
        return self

    cdef void start_flowing(self):
        if self.flowing < 1:
            self.flowing = 1
            if self.read_queue or self.read_eof:
                self.loop.call_soon(self._drain_read_queue, ())
            else:
                self.start_reading()

    def isPaused(self):
        """True after pause() until resume() (and while 'readable'
        listeners take the data)."""
        cdef object rs
        if self.flowing == NODE_READS:
            rs = self.decoder
            return rs.paused is True or rs.flowing is False
        return self.flowing == 0

    cdef void read_again(self):
        """The next run() after an exception stopped this stream's reading
        (Loop.hold_reading): what waits first, then reads."""
        if self.read_queue and self.flowing == 1:
            self.loop.call_soon(self._drain_read_queue, ())
        else:
            self.start_reading()

    def _drain_read_queue(self):
        cdef bytes chunk
        while self.read_queue and self.flowing == 1:
            chunk = self.read_queue.pop(0)
            self.read_queued -= PyBytes_GET_SIZE(chunk)
            if self.consumer is not None:
                self.consumer(chunk)
        if self.flowing == 1:
            self.maybe_deliver_end()
            self.start_reading()

    def _read_start(self):
        self.start_reading()


cdef extern from *:
    """
    /* A listener's call with its arguments (args[-1] a free slot, which a
       bound method puts its self in): vectorcall without Cython's generic
       call's type tests, and straight through the callable's vectorcall
       slot when it has one (a function, a bound method:
       PyObject_Vectorcall would also check the result's error state,
       which a NULL result here reports anyway). */
    static inline int pyuvnet_call_vector(PyObject *func, PyObject **args, size_t nargs) {
        vectorcallfunc call = PyVectorcall_Function(func);
        PyObject *result = call != NULL
            ? call(func, args, nargs | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL)
            : PyObject_Vectorcall(func, args, nargs | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        if (result == NULL)
            return -1;
        Py_DECREF(result);
        return 0;
    }
    /* A 'data' listener's call with its chunk. */
    static int pyuvnet_call_one(PyObject *func, PyObject *arg) {
        PyObject *args[2] = {NULL, arg};
        return pyuvnet_call_vector(func, args + 1, 1);
    }
    /* A dgram 'message' listener's call with (msg, rinfo). */
    static int pyuvnet_call_two(PyObject *func, PyObject *a, PyObject *b) {
        PyObject *args[3] = {NULL, a, b};
        return pyuvnet_call_vector(func, args + 1, 2);
    }
    """
    # -1 with the exception set when the listener raised, else 0 (its
    # result dropped).
    int call_one "pyuvnet_call_one" (PyObject* func, PyObject* arg)
    int call_two "pyuvnet_call_two" (PyObject* func, PyObject* a, PyObject* b)


cdef inline bint sink_fed(StreamReadable stream):
    """Whether a read of ``stream`` goes to its sink whole: the sink's
    listener is the sole consumer, the stream flows and nothing waits
    queued.  The alloc callback asks where the read lands, the read
    callback where it goes, the sink whether to go on parsing."""
    return stream.sink_on and stream.flowing == 1 and not stream.read_queue
