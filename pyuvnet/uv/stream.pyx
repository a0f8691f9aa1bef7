# Stream: the C half of a Socket over a uv_stream_t (TCP or pipe).
#
# Read path (its libuv callbacks: uv/stream_reads.pyx): libuv reads into
# the loop's buffer (no GIL needed); each chunk becomes one ``bytes``
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
# without the GIL (read_through, uv/stream_reads.pyx); only what is left
# becomes chunks.
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
#
# Write path: the base class StreamWrites (uv/stream_writes.pyx).
#
# Node's end/finish/close sequence runs here too (it runs for every
# connection): 'end' with end() after it, 'finish', 'close', each calling the
# facade's end()/destroy() where Node does.
#
# Callbacks into the Python facade (Socket), each entered once per event:
#   _on_stream_error(exc)      a read or write failed (StreamWrites' hook)
#   _on_connect(status)        uv_*_connect finished


ctypedef int (*stream_sink_fn)(object sink, const char* data, Py_ssize_t size) except -1
# Where the sink wants the next read: ``*size`` bytes at the pointer it
# returns, which stay put until the read has been fed to it; NULL: the
# loop's buffer, of which the sink may ask for less (``*size`` comes in as
# the buffer's size and may be lowered, never raised).  Called with the
# GIL, from the alloc callback.
ctypedef char* (*stream_sink_buffer_fn)(object sink, size_t* size) noexcept


cdef tuple end_arguments(object data, object encoding, object callback):
    """end()'s arguments as Node takes them: the callback may come first
    (``end(callback)``) or second (``end(data, callback)``).  Shared by
    net streams and TLS sockets."""
    if callable(data):
        return None, encoding, data
    if callable(encoding):
        return data, None, encoding
    return data, encoding, callback


cdef class Stream(StreamWrites):
    """A libuv stream handle with Node's Duplex buffering."""

    # read side
    cdef object consumer
    cdef StreamWrites write_target  # consumer is this stream's own write (C, no call)
    cdef PipeLink pipe_link         # consumer is a pipe() (C, no call)
    cdef StreamWrites through       # where reads go first, without the GIL (read_through):
                                    # write_target, or pipe_link's destination when it is a Stream
    cdef object sink                # fed whole reads by feed_sink while sink_on
    cdef object sink_listener       # the sink's 'data' listener
    cdef stream_sink_fn feed_sink
    cdef stream_sink_buffer_fn sink_buffer  # or NULL: reads land in the loop's buffer
    cdef bint sink_on               # sink_listener is the sole consumer
    cdef object onread              # Node's onread: takes every chunk, no 'data'
    cdef object decoder
    cdef int flowing                # -1: not decided yet, 0: paused, 1: flowing
    cdef list read_queue            # None until a chunk has to wait (most sockets never)
    cdef Py_ssize_t read_queued
    cdef bint reading
    cdef bint big_reads             # the last read filled a chunk: the next lands in one
    cdef public bint read_eof       # the peer's FIN arrived
    """Internal: the peer's FIN has arrived."""
    cdef bint end_delivered         # _on_end has been called
    cdef public bint readable_side  # reads are wanted at all
    """Internal: reads are wanted at all (False for a write-only fd)."""
    cdef uint64_t bytes_read
    cdef Py_ssize_t read_hwm
    # The facade's per-connection references, kept here rather than in an
    # instance dict, which an accepted socket then never needs.
    cdef public object _server          # Socket.server
    cdef ServerCore counted_by          # the Server counting this connection
    cdef public object _connect_plan    # the facade's ConnectPlan while it connects
    # Node's stream state, as the facade's Socket keeps it (C fields, so
    # that C can test them and no instance dict is made for them).
    cdef public bint _destroyed
    cdef public bint _had_error
    cdef public bint _allow_half_open   # stay writable after the peer's FIN
    cdef public bint _readable_ended    # 'end' emitted
    cdef public bint _writable_ended    # end() called
    cdef public bint _writable_finished # 'finish' emitted
    cdef public object _reconnect       # (args, kwargs) of a connect() waiting for 'close'
    cdef public bint _reset_on_destroy  # resetAndDestroy(): close with RST
    cdef bint destroy_at_finish         # destroySoon(): destroy() at 'finish'
    # Which of 'end', 'finish' and 'close' have listeners (HEARD_*), kept by
    # _listeners_changed: the C sequence emits them only then, without a
    # lookup in the listener table per event and connection.  (Listeners
    # dropped without that hook leave a bit set: an emit that finds none.)
    cdef unsigned char heard

    def __cinit__(self, *args, **kwargs):
        self.flowing = -1
        self.readable_side = True
        self.read_hwm = HIGH_WATER_MARK
        self.write_hwm = HIGH_WATER_MARK

    # -- properties the facade exposes ------------------------------------

    @property
    def bytesRead(self):
        """Bytes received so far."""
        return self.bytes_read

    @property
    def readableLength(self):
        """Bytes received and waiting for a consumer (while paused)."""
        return self.read_queued

    @property
    def readableHighWaterMark(self):
        """Reading stops while this many bytes wait unread (65536)."""
        return self.read_hwm

    @property
    def readableFlowing(self):
        """None before anything consumed the data, True while 'data' flows,
        False after pause() (Node's readable.readableFlowing)."""
        return None if self.flowing < 0 else bool(self.flowing)

    @readableFlowing.setter
    def readableFlowing(self, value):
        # Node's setter: None puts the stream back before any consumer (the
        # next 'data' listener starts the flow); True and False as resume()
        # and pause().
        if value is None:
            self.flowing = -1
        elif value:
            self.start_flowing()
        else:
            self.flowing = 0

    cdef void adopt(self, uv.uv_handle_t* handle):
        # An open stream may be called back at any time (reads, the peer
        # closing): it stays alive until its close callback.
        Handle.adopt(self, handle)
        self.hold()

    cdef void on_handle_closed(self) except *:
        self.connected = False
        self.reading = False
        self.emit_close()

    cdef void on_released(self, Py_ssize_t caller_refs):
        # Node's echo, ``sock.on('data', sock.write)`` (or any listener that
        # is a bound method of the socket, or a function closing over it,
        # ``lambda d: sock.write(d)``), leaves a closed socket in a
        # reference cycle through its own listeners, which only the cyclic
        # GC would free, at a cost per connection above the rest of its
        # close.  When those listeners (and the read path's references to
        # them) are all that still refers to the socket, nothing can reach
        # it: they are dropped now, which frees it as the GC would have
        # later.  Not with a weak reference or a __del__ that could still
        # see the socket.
        cdef Py_ssize_t own = pyuvnet_own_listener_refs(
            <PyObject*>self, <PyObject*>self._events, <PyObject*>self.consumer)
        if own <= 0:
            return
        if <PyObject*>self.write_target == <PyObject*>self:
            own += 1
        if <PyObject*>self.through == <PyObject*>self:
            own += 1
        if _Py_REFCNT(<PyObject*>self) != caller_refs + own or not pyuvnet_unobserved(<PyObject*>self):
            return
        self.write_target = self.through = None
        self.consumer = None
        self._events.clear()

    def _set_high_water_mark(self, Py_ssize_t hwm):
        self.read_hwm = hwm
        self.write_hwm = hwm

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
        self.write_target = self.through = None
        self.pipe_link = None
        self.sink_on = False
        if self.onread is not None:
            self.consumer = self.onread
            return
        sole = self._sole_listener('data')
        if sole is None and self._handler('data') is None:
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

    cdef void _listeners_changed(self, object event):
        cdef unsigned char bit
        if event is 'data' or (type(event) is str and PyUnicode_GET_LENGTH(event) == 4
                               and (<str>event) == 'data'):
            self.update_consumer()
            if self.consumer is not None and self.flowing == -1:
                # Node: adding a 'data' listener switches to flowing mode.
                self.start_flowing()
        elif type(event) is str:
            bit = lifecycle_bit(<str>event)
            if bit:
                if self._handler(event) is None:
                    self.heard &= ~bit
                else:
                    self.heard |= bit

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

    cdef void discard_reads(self):
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
        if self.read_queue is None:
            self.read_queue = []
        self.read_queue.append(chunk)
        self.read_queued += PyBytes_GET_SIZE(chunk)
        if self.read_queued >= self.read_hwm:
            self.stop_reading()
        return 0

    cdef void start_reading(self):
        # Reading goes on while paused, until a high-water mark's worth
        # waits in read_queue (Node's readable buffer).
        cdef int r
        if (self.reading or not self.connected or self.read_eof
                or not self.readable_side
                or self.read_queued >= self.read_hwm or not self.is_open()):
            return
        r = uv.uv_read_start(<uv.uv_stream_t*>self.handle, <uv.uv_alloc_cb><void*>socket_alloc,
                             <uv.uv_read_cb><void*>stream_read)
        if r == 0:
            self.reading = True
            self.loop.io_changed()
        else:
            self._on_stream_error(errors.errno_exception(r, 'read'))

    cdef void stop_reading(self):
        if self.reading:
            self.reading = False
            if self.handle != NULL:
                uv.uv_read_stop(<uv.uv_stream_t*>self.handle)

    def _abandon_handle(self):
        """Close the handle in the background and forget it, so that a new
        one can be made at once (a connection attempt given up on).  Its
        pending connect request then reports to nobody."""
        if self.is_open():
            self.stop_reading()
            self.handle.data = NULL
            uv.uv_close(self.handle, free_closed_handle)
            self.handle = NULL
            self.connected = False

    cdef void on_read_end(self, ssize_t nread):
        self.stop_reading()
        if nread == uv.UV_EOF:
            self.read_eof = True
            self.maybe_deliver_end()
        else:
            self._on_stream_error(errors.errno_exception(<int>nread, 'read'))

    cdef void maybe_deliver_end(self):
        # Paused, 'end' waits for resume(), as the data before it does.
        if (self.read_eof and not self.read_queue and not self.end_delivered
                and self.flowing != 0):
            self.end_delivered = True
            # Node emits 'end' on the next tick after the last 'data'.
            self.loop.call_soon_tick(self)

    def pause(self):
        """Stop 'data' events until ``resume()``; what arrives meanwhile
        waits in the readable buffer (readableLength), up to
        readableHighWaterMark, then reading stops."""
        self.flowing = 0
        return self

    def resume(self):
        """Start or restart 'data' events; what arrived meanwhile comes
        first, on the next tick."""
        self.start_flowing()
        return self

    cdef void start_flowing(self):
        if self.flowing != 1:
            self.flowing = 1
            if self.read_queue or self.read_eof:
                self.loop.call_soon(self._drain_read_queue, ())
            else:
                self.start_reading()

    def isPaused(self):
        """True after pause() until resume()."""
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

    def _handle_closing(self):
        """Whether the handle is closed but its close callback is to come."""
        return self.handle != NULL and uv.uv_is_closing(self.handle)

    def _reset_stream(self):
        """Forget a finished connection's state, for connect() again."""
        self.flowing = -1
        self.read_queue = None
        self.read_queued = 0
        self.read_eof = False
        self.end_delivered = False
        self.readable_side = True
        self.destroy_at_finish = False
        self.bytes_read = 0
        self.reset_writes()
        self.onread = None
        self.update_consumer()

    def _read_start(self):
        self.start_reading()

    # -- Node's end / finish / close sequence ------------------------------
    #
    # Every connection runs it, so it is C from the peer's FIN to 'close';
    # Python runs only for the listeners, and for end()/destroy() when a
    # subclass overrides them (Node calls this.end() / this.destroy()).

    def end(self, data=None, encoding=None, callback=None):
        """Send ``data`` if given, then FIN after everything queued.
        ``callback`` runs on 'finish'.  Returns the socket."""
        data, encoding, callback = end_arguments(data, encoding, callback)
        if data is not None:
            self.write(data, encoding)
        if callback is not None:
            if self._writable_finished:
                self.loop.call_soon(callback, (errors.ERR_STREAM_ALREADY_FINISHED('end'),))
            else:
                self._add('finish', callback, False, True)
        self.end_writable()
        return self

    cdef int end_writable(self) except -1:
        if not self._writable_ended:
            self._writable_ended = True
            if self.connected or self.connecting:
                self.end_writes()
            elif not self._destroyed:
                self.loop.call_soon(self.destroy, ())
        return 0

    def destroySoon(self):
        """end(), then destroy() once our side has finished, without
        waiting for the peer's FIN: at once if 'finish' was emitted, else
        after the 'finish' listeners.  (Node adds destroy() as a once
        'finish' listener; here it is a flag, which no listener list
        shows.)  HTTP's Connection: close runs it per connection, so it
        is C."""
        if not self._destroyed and not self._writable_ended:
            self.call_end()
        if self._writable_finished:
            self.call_destroy()
        else:
            self.destroy_at_finish = True

    def destroy(self, error=None):
        """Close now, dropping what is still queued to write and what was
        read but not yet delivered.  With ``error``: 'error'(error) then
        'close'(True); else 'close'(False); nothing after 'close'.  An
        accepted connection leaves its server's count here, as in Node's
        _destroy: a closing server's 'close' (a tick later) comes before
        this socket's 'close' (from libuv's close callback), and
        socket.server stays set for the 'close' listeners."""
        self.destroy_now(error)
        return self

    cdef int destroy_now(self, object error) except -1:
        cdef ServerCore server
        if self._destroyed:
            return 0
        self._destroyed = True
        self.discard_writes()
        self.discard_reads()
        self.connecting = False
        # The facade's timers: an idle timeout, a connect attempt's.
        if self._idle is not None:
            self._idle.close()
        if self._connect_plan is not None:
            self._connect_plan.cancel_timer()
        if error is not None:
            self._had_error = True
            self.loop.call_soon(self.emit, ('error', error))
        if self.handle == NULL or (self.handle.type != uv.UV_TCP
                                   and self.handle.type != uv.UV_NAMED_PIPE):
            # No connection was ever made: 'close' on the next tick.
            self.loop.call_soon(self._on_close, ())
        elif self._reset_on_destroy and self.handle.type == uv.UV_TCP:
            tcp_close_reset(self)
        else:
            self.stop_reading()
            self.close_handle()
        server = self.counted_by
        if server is not None:
            self.counted_by = None
            server.connection_closed()
        return 0

    cdef int call_end(self) except -1:
        if overridden(self, 'end', STREAM_END):
            self.end()
        else:
            self.end_writable()
        return 0

    cdef int call_destroy(self) except -1:
        if overridden(self, 'destroy', STREAM_DESTROY):
            self.destroy()
        else:
            self.destroy_now(None)
        return 0

    cdef int on_tick(self) except -1:
        """The peer's FIN, a tick after the last 'data' (the only tick a
        Stream queues itself as; Loop.drain_ticks runs it): 'end'; then, unless allowHalfOpen, end() our side;
        destroy() once our side finished too.  Nothing after destroy(),
        'end' included."""
        if self._destroyed:
            return 0
        self._readable_ended = True
        try:
            if self.heard & HEARD_END:
                self._emit('end', ())
        finally:
            # A listener that raised must not leave the socket half-done.
            if not self._destroyed:
                if not self._allow_half_open:
                    self.call_end()
                if self._writable_finished:
                    self.call_destroy()
        return 0

    cdef int emit_finish(self) except -1:
        """Our FIN left (or failed to: as Node, the shutdown's own status
        is no error of the socket: a FIFO answers ENOTSOCK, a peer that is
        gone ENOTCONN): 'finish', then destroy() when the reading side is
        done as well, or destroySoon() asked for it."""
        if self._destroyed:
            return 0
        self._writable_finished = True
        try:
            if self.heard & HEARD_FINISH:
                self._emit('finish', ())
        finally:
            if not self._destroyed and (self._readable_ended or not self.readable_side
                                        or self.destroy_at_finish):
                self.call_destroy()
        return 0

    def _on_close(self):
        """The handle closed (or there was none): 'close'(hadError), once."""
        self.emit_close()

    cdef int emit_close(self) except -1:
        cdef object reconnect
        if not self._destroyed:
            # The handle closed under us (never by the user): as destroy().
            self._destroyed = True
        try:
            if self.heard & HEARD_CLOSE:
                self._emit('close', (True,) if self._had_error else (False,))
        finally:
            reconnect = self._reconnect
            if reconnect is not None:
                self._reconnect = None
                self.connect(*reconnect[0], **reconnect[1])
        return 0

    # -- hooks the facade overrides ---------------------------------------

    def _on_connect(self, status):
        pass


cdef enum:
    HEARD_END = 1
    HEARD_FINISH = 2
    HEARD_CLOSE = 4


cdef inline unsigned char lifecycle_bit(str event):
    """Stream.heard's bit for ``event``, 0 for any other event."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(event)
    if n == 3 and event == 'end':
        return HEARD_END
    if n == 6 and event == 'finish':
        return HEARD_FINISH
    if n == 5 and event == 'close':
        return HEARD_CLOSE
    return 0


cdef object STREAM_WRITE = StreamWrites.__dict__['write']


cdef StreamWrites own_write_of(object listener):
    """The stream whose own write() ``listener`` is (``sock.write``, bound),
    else None: the read path then queues each chunk in C."""
    cdef object target
    if PyMethod_Check(listener) and <object>PyMethod_GET_FUNCTION(listener) is STREAM_WRITE:
        target = <object>PyMethod_GET_SELF(listener)
        if isinstance(target, StreamWrites):
            return <StreamWrites>target
    return None


cdef extern from *:
    """
    /* A 'data' listener's call with its chunk: vectorcall with a free slot
       before the argument (a bound method puts its self there), without
       Cython's generic call's type tests. */
    static int pyuvnet_call_one(PyObject *func, PyObject *arg) {
        PyObject *args[2] = {NULL, arg};
        PyObject *result = PyObject_Vectorcall(func, args + 1,
                                               1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        if (result == NULL)
            return -1;
        Py_DECREF(result);
        return 0;
    }
    """
    # -1 with the exception set when the listener raised, else 0 (its
    # result dropped).
    int call_one "pyuvnet_call_one" (PyObject* func, PyObject* arg)


cdef inline bint sink_fed(Stream stream):
    """Whether a read of ``stream`` goes to its sink whole: the sink's
    listener is the sole consumer, the stream flows and nothing waits
    queued.  The alloc callback asks where the read lands, the read
    callback where it goes, the sink whether to go on parsing."""
    return stream.sink_on and stream.flowing == 1 and not stream.read_queue


# Stream's own end() and destroy(), to tell a subclass's override from them.
cdef object STREAM_END = Stream.__dict__['end']
cdef object STREAM_DESTROY = Stream.__dict__['destroy']


cdef inline bint overridden(object obj, str name, object own):
    """Whether ``obj``'s class replaces the method ``own`` named ``name``
    (a lookup in the type's method cache, no attribute fetched)."""
    return _PyType_Lookup(Py_TYPE(obj), <PyObject*>name) != <PyObject*>own
