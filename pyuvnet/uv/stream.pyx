# Stream: the C half of a Socket over a uv_stream_t (TCP or pipe).
#
# Read path: libuv reads into the loop's buffer (no GIL needed); each chunk
# becomes one ``bytes`` handed to ``consumer`` with one Python call.
# ``consumer`` is the sole 'data' listener itself when there is exactly one
# and no decoding, else the emitter.  While the stream is not flowing,
# chunks wait in ``read_queue`` (reading stops once it holds a high-water
# mark's worth).
#
# Write path: ``write()`` appends to ``write_queue``; the loop's prepare
# handle calls ``flush()`` once per turn, which sends the whole queue as one
# vectored ``uv_try_write`` and hands what the kernel did not take to
# ``uv_write`` (uv/write_requests.pyx).  ``bytes`` are referenced, never
# copied; other buffers are copied at ``write()`` so the caller may reuse them.
#
# Node's end/finish/close sequence runs here too (it runs for every
# connection): 'end' with end() after it, 'finish', 'close', each calling the
# facade's end()/destroy() where Node does.
#
# Callbacks into the Python facade (Socket), each entered once per event:
#   _on_stream_error(exc)      a read or write failed
#   _on_connect(status)        uv_*_connect finished

cdef enum:
    HIGH_WATER_MARK = 65536        # Node >= 22's default for both directions
    # Gathering saves syscalls for small writes only: once this much waits,
    # it leaves at once, while the bytes are still in the CPU's cache.
    FLUSH_NOW_BYTES = 65536


cdef class Stream(Handle):
    """A libuv stream handle with Node's Duplex buffering."""

    # read side
    cdef object consumer
    cdef object onread              # Node's onread: takes every chunk, no 'data'
    cdef object decoder
    cdef int flowing                # -1: not decided yet, 0: paused, 1: flowing
    cdef list read_queue            # None until a chunk has to wait (most sockets never)
    cdef Py_ssize_t read_queued
    cdef bint reading
    cdef public bint read_eof       # the peer's FIN arrived
    """Internal: the peer's FIN has arrived."""
    cdef bint end_delivered         # _on_end has been called
    cdef public bint readable_side  # reads are wanted at all
    """Internal: reads are wanted at all (False for a write-only fd)."""
    cdef uint64_t bytes_read
    cdef Py_ssize_t read_hwm
    # write side
    cdef list write_queue           # None until the first write(); flush() keeps
                                    # it for the next turn once all of it left
    cdef list write_callbacks       # None until a write() gives a callback; then
                                    # one entry (maybe None) per write_queue entry
    cdef int queued_callbacks       # non-None entries of write_callbacks
    cdef bint writing_now           # flush() runs inside write()
    cdef Py_ssize_t queued_bytes
    cdef Py_ssize_t inflight_bytes
    cdef Py_ssize_t write_hwm
    cdef bint need_drain
    cdef int corked
    cdef bint flush_queued
    cdef bint connected
    cdef public bint connecting     # a connect is under way (writes wait)
    """True from connect() until 'connect' (or the failure); writes made
    meanwhile wait for the connection."""
    cdef public uint64_t last_activity   # loop time of the last read/write
    """Internal: the loop time (ms) of the last read or write."""
    cdef public bint ending
    """Internal: end() was called; FIN leaves once the queue is empty."""
    cdef bint shutdown_sent
    cdef int write_reqs
    cdef uint64_t bytes_written
    # The facade's per-connection references, kept here rather than in an
    # instance dict, which an accepted socket then never needs.
    cdef public object _server          # Socket.server
    cdef public object _counted_by      # the Server counting this connection
    # Node's stream state, as the facade's Socket keeps it (C fields, so
    # that C can test them and no instance dict is made for them).
    cdef public bint _destroyed
    cdef public bint _had_error
    cdef public bint _allow_half_open   # stay writable after the peer's FIN
    cdef public bint _readable_ended    # 'end' emitted
    cdef public bint _writable_ended    # end() called
    cdef public bint _writable_finished # 'finish' emitted
    cdef public object _reconnect       # (args, kwargs) of a connect() waiting for 'close'

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
    def bytesWritten(self):
        """Bytes written so far, counted when write() takes them (as Node,
        before they have left)."""
        return self.bytes_written

    @property
    def writableLength(self):
        """Bytes written and not yet taken by the kernel (queued or in a
        pending write request)."""
        return self.queued_bytes + self.inflight_bytes

    @property
    def writableHighWaterMark(self):
        """write() returns False once writableLength reaches this (65536)."""
        return self.write_hwm

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
        return self.corked

    @property
    def writableNeedDrain(self):
        """True after write() returned False, until 'drain'."""
        return self.need_drain

    cdef void adopt(self, uv.uv_handle_t* handle):
        # An open stream may be called back at any time (reads, the peer
        # closing): it stays alive until its close callback.
        Handle.adopt(self, handle)
        self.hold()

    cdef void on_handle_closed(self) except *:
        self.connected = False
        self.reading = False
        self.emit_close()

    def _set_high_water_mark(self, Py_ssize_t hwm):
        self.read_hwm = hwm
        self.write_hwm = hwm

    # -- write path --------------------------------------------------------

    def write(self, data, encoding=None, callback=None):
        """Queue ``data`` (bytes-like, or str in ``encoding``); returns
        False once the buffered amount reaches writableHighWaterMark, and
        'drain' follows when the buffer empties.  ``callback(err)`` runs
        after the data left (``err`` is None) or failed."""
        cdef Py_ssize_t n
        if type(data) is not bytes or encoding is not None or callback is not None:
            if callback is None and callable(encoding):
                callback, encoding = encoding, None
            if callback is not None and not callable(callback):
                raise errors.ERR_INVALID_ARG_TYPE('cb', 'function', callback)
            data = to_bytes(data, encoding)
        if not self.writable_now(callback):
            return False
        n = PyBytes_GET_SIZE(data)
        if self.write_queue is None:
            self.write_queue = [data]
        else:
            self.write_queue.append(data)
        if callback is not None:
            if self.write_callbacks is None:
                self.write_callbacks = [None] * (len(self.write_queue) - 1)
            self.write_callbacks.append(callback)
            self.queued_callbacks += 1
        elif self.write_callbacks is not None:
            self.write_callbacks.append(None)
        self.queued_bytes += n
        self.bytes_written += n
        self.loop.refresh_time()
        self.last_activity = uv.uv_now(self.loop.uvloop)
        # As Node: the answer counts this chunk, whenever it leaves.
        ok = self.queued_bytes + self.inflight_bytes < self.write_hwm
        if not ok:
            self.need_drain = True
        if self.corked == 0:
            if (self.queued_bytes >= FLUSH_NOW_BYTES and self.queued_callbacks == 0
                    and self.write_reqs == 0):
                # No write callback waits on this data, and 'drain' is put
                # off to the next tick: nothing is emitted inside write().
                self.writing_now = True
                try:
                    self.flush()
                finally:
                    self.writing_now = False
            elif not self.flush_queued:
                self.flush_queued = True
                self.loop.mark_dirty(self)
        return ok

    cdef bint writable_now(self, object callback) except -1:
        """Whether a write may be queued; otherwise reports the reason as
        Node does (the facade decides: error event or callback)."""
        if self.ending:
            self._write_after_end(callback)
            return False
        if not self.is_writable_state():
            self._write_after_destroy(callback)
            return False
        return True

    cdef bint is_writable_state(self):
        # While connecting there may be no handle yet: writes wait in the queue.
        if self.handle == NULL:
            return self.connecting
        return not uv.uv_is_closing(self.handle)

    def cork(self):
        """Hold writes until ``uncork()``; they then leave as one write."""
        self.corked += 1

    def uncork(self):
        """Undo one cork(); after the last, what was held leaves."""
        if self.corked > 0:
            self.corked -= 1
            if self.corked == 0 and (self.write_queue or self.ending):
                self.schedule_flush()

    cdef void schedule_flush(self):
        if not self.flush_queued:
            self.flush_queued = True
            self.loop.mark_dirty(self)

    cdef int flush(self) except -1:
        """Send the queue: one vectored try_write, the rest through uv_write.
        Called by the loop before it polls."""
        cdef list buffers, callbacks
        cdef Py_ssize_t nbytes, r
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
            r = send_buffers(self, buffers, callbacks, nbytes)
            if r < 0:
                self.inflight_bytes -= nbytes
                self.write_done(callbacks, <int>r)
                return 0
            if r == nbytes:
                self.inflight_bytes -= nbytes
                self.write_done(callbacks, 0)
                if self.write_queue is None:
                    # All of it left and nothing was written meanwhile: no
                    # WriteRequest holds the list, so the next turn reuses it.
                    del buffers[:]
                    self.write_queue = buffers
        if self.ending and not self.shutdown_sent and not self.write_queue:
            self.send_shutdown()
        return 0

    cdef void write_done(self, list callbacks, int status):
        """Data of ``callbacks``' writes left (status 0) or failed: as Node,
        'drain' first, then the callbacks in order (``callbacks`` is None
        when no write had one)."""
        cdef object err = None
        if status < 0:
            err = errors.errno_exception(status, 'write')
        elif self.writing_now:
            if self.need_drain:
                self.loop.call_soon(self._drain_if_empty, ())
        else:
            self.drain_if_empty()
        if callbacks is not None:
            for cb in callbacks:
                if cb is not None:
                    try:
                        cb(err)
                    except BaseException as exc:
                        self.loop.report(exc)
        if err is not None and status != uv.UV_ECANCELED:
            self._on_stream_error(err)

    def _drain_if_empty(self):
        self.drain_if_empty()

    cdef void drain_if_empty(self):
        """'drain', when a write() returned False and the buffer is empty."""
        if (self.need_drain and self.queued_bytes + self.inflight_bytes == 0
                and not self.ending):
            self.need_drain = False
            try:
                self._emit('drain', ())
            except BaseException as exc:
                # The write callbacks after it still run.
                self.loop.report(exc)

    cdef void send_shutdown(self):
        cdef uv.uv_shutdown_t* req = <uv.uv_shutdown_t*>PyMem_RawMalloc(sizeof(uv.uv_shutdown_t))
        cdef int r
        self.shutdown_sent = True
        if req == NULL:
            self.emit_finish()
            return
        r = uv.uv_shutdown(req, <uv.uv_stream_t*>self.handle, stream_shutdown_done)
        if r < 0:
            PyMem_RawFree(req)
            self.emit_finish()
            return
        req.data = <void*>self
        Py_INCREF(self)
        self.loop.io_changed()

    def _end_writes(self):
        """No more writes; FIN follows the queue (the facade's end()).
        Ending uncorks, as Node's end() does."""
        if not self.ending:
            self.ending = True
            self.corked = 0
            self.schedule_flush()

    cdef int discard_writes(self) except -1:
        """What destroy() does to the writes gathered this turn.  Node hands
        each write to libuv at once, so data written before destroy() still
        leaves if the kernel takes it without waiting; the same is done here
        with one non-blocking write, and the rest is dropped.  Callbacks get
        None (sent) or ERR_STREAM_DESTROYED (ERR_SOCKET_CLOSED_BEFORE_CONNECTION
        while connecting), on the next tick."""
        cdef list buffers = self.write_queue
        cdef list callbacks = self.write_callbacks
        cdef Py_ssize_t sent = 0, size
        self.write_queue = None
        self.write_callbacks = None
        self.queued_callbacks = 0
        if (buffers and self.connected and self.is_open() and self.write_reqs == 0
                and not self.corked):
            sent = max(0, send_buffers(self, buffers, callbacks, self.queued_bytes, False))
        self.queued_bytes = 0
        if not buffers or callbacks is None:
            return 0    # the common case: no callback waits, no error to build
        if self.connecting and not self.connected:
            err = errors.ERR_SOCKET_CLOSED_BEFORE_CONNECTION()
        else:
            err = errors.ERR_STREAM_DESTROYED('write')
        for data, cb in zip(buffers, callbacks):
            size = PyBytes_GET_SIZE(data)
            if cb is not None:
                self.loop.call_soon(cb, (None if sent >= size else err,))
            sent -= size
        return 0

    # -- read path ---------------------------------------------------------

    cdef void update_consumer(self):
        if self.onread is not None:
            self.consumer = self.onread
            return
        listeners = self._events.get('data') if self._events else None
        if listeners is None:
            self.consumer = None
            return
        sole = self._sole_listener('data')
        if sole is not None and self.decoder is None:
            self.consumer = sole
        else:
            self.consumer = self._emit_data

    def _emit_data(self, chunk):
        if self.decoder is not None:
            chunk = self.decoder(chunk)
            if not chunk:
                return
        self._emit('data', (chunk,))

    cdef void _listeners_changed(self, object event):
        if event == 'data':
            self.update_consumer()
            if self.consumer is not None and self.flowing == -1:
                # Node: adding a 'data' listener switches to flowing mode.
                self.resume()

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

    cdef inline int deliver(self, bytes chunk) except -1:
        if self.flowing == 1 and not self.read_queue:
            if self.consumer is not None:
                self.consumer(chunk)
            return 0
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
        r = uv.uv_read_start(<uv.uv_stream_t*>self.handle, stream_alloc, stream_read)
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
            self.loop.call_soon(self._on_end, ())

    def pause(self):
        """Stop 'data' events until ``resume()``; what arrives meanwhile
        waits in the readable buffer (readableLength), up to
        readableHighWaterMark, then reading stops."""
        self.flowing = 0
        return self

    def resume(self):
        """Start or restart 'data' events; what arrived meanwhile comes
        first, on the next tick."""
        if self.flowing != 1:
            self.flowing = 1
            if self.read_queue or self.read_eof:
                self.loop.call_soon(self._drain_read_queue, ())
            else:
                self.start_reading()
        return self

    def isPaused(self):
        """True after pause() until resume()."""
        return self.flowing == 0

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

    def _flush_soon(self):
        """Send what waited for the connection, on this loop turn."""
        if self.write_queue or self.ending:
            self.schedule_flush()

    def _reset_stream(self):
        """Forget a finished connection's state, for connect() again."""
        self.flowing = -1
        self.read_queue = None
        self.read_queued = 0
        self.read_eof = False
        self.end_delivered = False
        self.readable_side = True
        self.write_queue = None
        self.write_callbacks = None
        self.queued_callbacks = 0
        self.queued_bytes = 0
        self.inflight_bytes = 0
        self.need_drain = False
        self.corked = 0
        self.ending = False
        self.shutdown_sent = False
        self.connected = False
        self.bytes_read = 0
        self.bytes_written = 0
        self.onread = None
        self.update_consumer()

    def _read_start(self):
        self.start_reading()

    # -- Node's end / finish / close sequence ------------------------------

    def destroy(self, error=None):
        """Close now, dropping what is still queued to write and what was
        read but not yet delivered.  With ``error``: 'error'(error) then
        'close'(True); else 'close'(False); nothing after 'close'.  An
        accepted connection leaves its server's count here, as in Node's
        _destroy: a closing server's 'close' (a tick later) comes before
        this socket's 'close' (from libuv's close callback), and
        socket.server stays set for the 'close' listeners."""
        cdef object server
        if self._destroyed:
            return self
        self._destroyed = True
        self.discard_writes()
        self.discard_reads()
        self.connecting = False
        # The facade's timers: an idle timeout, a connect attempt's.
        idle = self._idle
        if idle is not None:
            idle.clear()
        plan = self._connect_plan
        if plan is not None:
            plan.cancel_timer()
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
        server = self._counted_by
        if server is not None:
            self._counted_by = None
            server._connection_closed(self)
        return self

    def _on_end(self):
        """The peer's FIN, a tick after the last 'data': 'end'; then,
        unless allowHalfOpen, end() our side; destroy() once our side
        finished too.  Nothing after destroy(), 'end' included."""
        if self._destroyed:
            return
        self._readable_ended = True
        try:
            self._emit('end', ())
        finally:
            # A listener that raised must not leave the socket half-done.
            if not self._destroyed:
                if not self._allow_half_open:
                    self.end()
                if self._writable_finished:
                    self.destroy()

    cdef int emit_finish(self) except -1:
        """Our FIN left (or failed to: as Node, the shutdown's own status
        is no error of the socket: a FIFO answers ENOTSOCK, a peer that is
        gone ENOTCONN): 'finish', then destroy() when the reading side is
        done as well."""
        if self._destroyed:
            return 0
        self._writable_finished = True
        try:
            self._emit('finish', ())
        finally:
            if not self._destroyed and (self._readable_ended or not self.readable_side):
                self.destroy()
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
            self._emit('close', (self._had_error,))
        finally:
            reconnect = self._reconnect
            if reconnect is not None:
                self._reconnect = None
                self.connect(*reconnect[0], **reconnect[1])
        return 0

    # -- hooks the facade overrides ---------------------------------------

    def _on_connect(self, status):
        pass

    def _on_stream_error(self, err):
        raise err

    def _write_after_end(self, callback):
        raise errors.ERR_STREAM_WRITE_AFTER_END()

    def _write_after_destroy(self, callback):
        raise errors.ERR_STREAM_DESTROYED('write')


cdef void stream_shutdown_done(uv.uv_shutdown_t* req, int status) noexcept nogil:
    uv.pyuvnet_take_gil(req.handle.loop)
    shutdown_done_with_gil(req, status)


cdef void shutdown_done_with_gil(uv.uv_shutdown_t* req, int status) noexcept with gil:
    cdef Stream stream = <Stream>req.data
    PyMem_RawFree(req)
    Py_DECREF(stream)
    try:
        stream.emit_finish()
    except BaseException as exc:
        stream.loop.report(exc)
    stream.loop.after_callback()


cdef void stream_alloc(uv.uv_handle_t* handle, size_t suggested_size,
                       uv.uv_buf_t* buf) noexcept nogil:
    # Every read of a loop lands in the loop's one buffer: read callbacks
    # copy it into bytes before libuv reads again.
    buf.base = (<uv.pyuvnet_loop_t*>handle.loop).read_buf
    buf.len = uv.PYUVNET_READ_BUF_SIZE


cdef void stream_read(uv.uv_stream_t* handle, ssize_t nread,
                      const uv.uv_buf_t* buf) noexcept nogil:
    uv.pyuvnet_take_gil(handle.loop)
    read_with_gil(handle, nread, buf)


cdef void read_with_gil(uv.uv_stream_t* handle, ssize_t nread,
                        const uv.uv_buf_t* buf) noexcept with gil:
    cdef Stream stream = <Stream>handle.data
    if nread > 0:
        stream.bytes_read += nread
        stream.last_activity = uv.uv_now(handle.loop)
        try:
            stream.deliver(PyBytes_FromStringAndSize(buf.base, nread))
        except BaseException as exc:
            stream.loop.report(exc)
    elif nread < 0:
        try:
            stream.on_read_end(nread)
        except BaseException as exc:
            stream.loop.report(exc)
    stream.loop.after_callback()
    if stream.loop.uncaught:
        stream.loop.hold_reading(stream)


cdef object to_bytes(object data, object encoding):
    """Node's accepted chunk types, as bytes that no caller can change."""
    if data is None:
        raise errors.ERR_STREAM_NULL_VALUES()
    if type(data) is bytes:
        return data
    if isinstance(data, str):
        return encode(data, encoding)
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise errors.ERR_INVALID_ARG_TYPE(
        'chunk', 'str, bytes, bytearray or memoryview', data)
