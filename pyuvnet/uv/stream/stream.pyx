# Stream: the C half of a Socket over a uv_stream_t (TCP or pipe), on two C
# bases: StreamWrites, the write half (uv/stream/writable.pyx), and
# StreamReadable, the read half (uv/stream/readable.pyx).  Here: the
# facade's per-connection state, the handle's lifetime, and Node's
# end/finish/close sequence, which every connection runs: 'end' with end()
# after it, 'finish', 'close', each calling the facade's end()/destroy()
# where Node does.
#
# Callbacks into the Python facade (Socket), each entered once per event:
#   _on_stream_error(exc)      a read or write failed (StreamWrites' hook)
#   _on_connect(status)        uv_*_connect finished

from cpython.unicode cimport PyUnicode_READ_CHAR
from cpython.weakref cimport PyWeakref_NewRef


cdef tuple end_arguments(object data, object encoding, object callback):
    """end()'s arguments as Node takes them: the callback may come first
    (``end(callback)``) or second (``end(data, callback)``).  Shared by
    net streams and TLS sockets."""
    if callable(data):
        return None, encoding, data
    if callable(encoding):
        return data, None, encoding
    return data, encoding, callback


cdef object ended_by_peer():
    """Node's writeAfterFIN error: a plain error with code EPIPE."""
    err = errors.SYSTEM_ERROR_CLASSES[BrokenPipeError](
        'This socket has been ended by the other party')
    err.code = 'EPIPE'
    err.errno = -uv.UV_EPIPE     # (libuv codes are negative errnos)
    return err


cdef inline bint is_data(object event):
    return event is 'data' or (type(event) is str and PyUnicode_GET_LENGTH(event) == 4
                               and (<str>event) == 'data')


@cython.final
cdef class OwnEndListener:
    """Node's onReadableStreamEnd, as a socket's 'end' listener once
    stored (Stream._store_own_end_listener): with allowHalfOpen False,
    write() after end() fails from then on with EPIPE (\"This socket has
    been ended by the other party\"), as Node's writeAfterFIN.  It holds
    its socket weakly: a listener that held it would make every socket
    whose 'end' listeners were looked at (an HTTP connection's, an
    async-iterated one's) a reference cycle, freed only by the GC."""

    cdef object socket_ref

    @property
    def __name__(self):
        return 'onReadableStreamEnd'

    def __call__(self):
        socket = self.socket_ref()
        if socket is not None:
            (<Stream>socket).run_fin_listener()


cdef class Stream(StreamReadable):
    """A libuv stream handle with Node's Duplex buffering."""

    # The facade's per-connection references (_server, counted_by,
    # _connect_plan, _reconnect) are StreamWrites' fields (it says why).
    # Node's stream state, as the facade's Socket keeps it (C fields, so
    # that C can test them and no instance dict is made for them).
    cdef public bint _destroyed
    cdef public bint _had_error
    cdef public bint _allow_half_open   # stay writable after the peer's FIN
    cdef public bint _readable_ended    # 'end' emitted
    cdef bint finished                  # 'finish' emitted (Node's state.finished)
    cdef public bint _reset_on_destroy  # resetAndDestroy(): close with RST
    cdef bint destroy_at_finish         # destroySoon(): destroy() at 'finish'
    # An end(callback) waits for 'finish' (the facade's _on_finished list,
    # which the stream core keeps: uv/stream/node_writes.h).  end() called
    # is StreamWrites' ``ending``.
    cdef bint end_callbacks

    # -- the handle's lifetime -------------------------------------------

    cdef void adopt(self, uv.uv_handle_t* handle) noexcept:
        # An open stream may be called back at any time (reads, the peer
        # closing): it stays alive until its close callback.
        Handle.adopt(self, handle)
        self.hold()
        self.fin_room = NULL      # tcp_init / pipe_init give it after this

    cdef void on_handle_closed(self) except *:
        self.connected = False
        self.reading = False
        self.emit_close()

    cdef void on_released(self, Py_ssize_t caller_refs) noexcept:
        # Node's echo, ``sock.on('data', sock.write)`` (or any listener that
        # is a bound method of the socket, or a function closing over it,
        # ``lambda d: sock.write(d)``), leaves a closed socket in a
        # reference cycle through its own listeners, which only the cyclic
        # GC would free, at a cost per connection above the rest of its
        # close.  When those listeners (and the read path's references to
        # them) are all that still refers to the socket, nothing can reach
        # it: they are dropped now, which frees it as the GC would have
        # later.  Not with a __del__ that could still see the socket; a
        # weak reference to it dies as the drop frees it.
        cdef Py_ssize_t self_refs = caller_refs
        if <PyObject*>self.write_target == <PyObject*>self:
            self_refs += 1
        if <PyObject*>self.through == <PyObject*>self:
            self_refs += 1
        if not held_by_own_listeners_alone(self, <PyObject*>self.consumer, self_refs):
            return
        self.write_target = self.through = None
        self.consumer = None
        self._drop_listeners()

    def _release_if_unreachable(self):
        """on_released()'s test again, a tick from now (on_tick): for a
        holder that lets go of this socket after its close (an async
        iteration's generator, suspended until then)."""
        self.loop.call_soon_tick(self)

    cdef int on_tick(self) except -1:
        StreamWrites.on_tick(self)
        if self.handle == NULL and self._destroyed:
            # Closed (or never opened): the tick queue's reference is the
            # one the caller holds.
            self.on_released(1)
        return 0

    def _set_high_water_marks(self, Py_ssize_t read_hwm, Py_ssize_t write_hwm):
        self.read_hwm = read_hwm
        self.write_hwm = write_hwm

    def _stop_reading(self):
        """Node's handle.readStop(): nothing more is read until resume()
        (a child given this stream as a stdio entry reads its fd now)."""
        self.stop_reading()

    cdef void _listener_added_alone(self, object event, object sole):
        # A first 'data' listener: the read path's consumer without a lookup.
        if is_data(event) and self.flowing != NODE_READS:
            self.consume(sole, True)
            self.data_heard()
        else:
            self._listeners_changed(event)

    cdef void _listeners_changed(self, object event):
        cdef unsigned char bit
        if is_data(event):
            if self.flowing == NODE_READS:
                # Node's on('data'): the stream core's state decides (its
                # removeListener('data') does nothing more).
                if self._handler(event) is not None:
                    node_reads.listener_added(self, 'data')
                return
            self.update_consumer()
            self.data_heard()
        elif type(event) is str:
            bit = heard_bit(<str>event)
            if bit:
                if self._handler(event) is None:
                    self.heard &= ~bit
                else:
                    self.heard |= bit
                if bit == HEARD_READABLE:
                    self.readable_listeners = readable_heard(
                        self, self.decoder if self.flowing == NODE_READS else None,
                        self.readable_listeners)

    # -- Node's own 'end' listener -----------------------------------------
    #
    # Node's net.Socket constructor adds onReadableStreamEnd as the first
    # 'end' listener of every socket: when it runs with allowHalfOpen
    # False, write() after end() fails with EPIPE (writeAfterFIN) where a
    # plain Duplex's fails with ERR_STREAM_WRITE_AFTER_END.  A program sees
    # it in listeners('end'), listenerCount('end') and eventNames(), and may
    # remove it.  Most never look: until one does, it is the emitter's
    # _own_end_listener flag, which end_tick runs in C, and the emitter's
    # table, which every connection's own listeners fill, holds no entry
    # for it.  The first look at 'end' stores it (_store_own_end_listener):
    # from then on it is a listener as any other.

    cdef int _store_own_end_listener(self) except -1:
        cdef OwnEndListener listener = OwnEndListener.__new__(OwnEndListener)
        listener.socket_ref = PyWeakref_NewRef(self, None)
        # ('end' has no other listener yet: adding one looked first.)
        self._own_end_listener = False
        self._add_new('end', listener)
        self.heard |= HEARD_END
        return 0

    cdef inline void run_fin_listener(self) noexcept:
        """onReadableStreamEnd's work."""
        if not self._allow_half_open:
            self.fin_listener |= FIN_LISTENER_RAN

    cdef inline void data_heard(self):
        if self.consumer is not None and self.flowing == -1:
            # Node: adding a 'data' listener switches to flowing mode.
            self.start_flowing()

    def _abandon_handle(self):
        """Close the handle in the background and forget it, so that a new
        one can be made at once (a connection attempt given up on).  Its
        pending connect request then reports to nobody."""
        if self.is_open():
            self.stop_reading()
            close_without_owner(self.handle)
            self.handle = NULL
            self.connected = False

    def _handle_closing(self):
        """Whether the handle is closed but its close callback is to come."""
        return self.handle != NULL and uv.uv_is_closing(self.handle)

    def _reset_stream(self):
        """Forget a finished connection's state, for connect() again."""
        if self.flowing == NODE_READS:
            self.decoder = None     # the state: a new connection starts in C
        self.flowing = -1
        self.readable_listeners = 0
        self.read_queue = None
        self.read_queued = 0
        self.read_eof = False
        self.end_delivered = False
        self.readable_side = True
        self.destroy_at_finish = self.end_callbacks = self.finished = False
        self.bytes_read = 0
        if self.heard & HEARD_WRITES:
            # A new connection's writes start in C again.
            self.heard &= ~HEARD_WRITES
            del self._writableState
        self.reset_writes()
        self.onread = None
        self.update_consumer()

    # -- Node's end / finish / close sequence ------------------------------
    #
    # Every connection runs it, so it is C from the peer's FIN to 'close';
    # Python runs only for the listeners, and for end()/destroy() when a
    # subclass overrides them (Node calls this.end() / this.destroy()).

    def end(self, data=None, encoding=None, callback=None):
        """Send ``data`` if given, then FIN after everything queued.
        ``callback(err)`` runs before the 'finish' listeners (``err`` None),
        or with the error when the socket is destroyed first.  Returns the
        socket."""
        if self.heard & HEARD_WRITES:
            TAKEN_END(self, data, encoding, callback)
            # writableEnded, writable: C's field, kept as the state's.
            self.ending = self._writableState.ending
            return self
        data, encoding, callback = end_arguments(data, encoding, callback)
        if data is not None:
            self.write(data, encoding)
        if callback is not None and node_writes.end_callback(
                self, callback, self.ending, self.finished, self._destroyed):
            self.end_callbacks = True
        self.end_writable()
        return self

    cdef int end_writable(self) except -1:
        # As Node's end(): once, and not after an error (writableEnded
        # stays False then).
        if self.heard & HEARD_WRITES:
            TAKEN_END(self, None, None, None)
            self.ending = self._writableState.ending
        elif not self.ending and not self._had_error:
            if self.connected or self.connecting or not self._destroyed:
                # Never connected: the FIN waits for a connection, if one
                # comes (Node's _final waits for 'connect'; the socket is
                # neither finished nor destroyed meanwhile).
                self.end_writes()
            else:
                self.ending = True
        return 0

    def destroySoon(self):
        """end(), then destroy() once our side has finished, without
        waiting for the peer's FIN: at once if 'finish' was emitted, else
        after the 'finish' listeners.  (Node adds destroy() as a once
        'finish' listener; here it is a flag, which no listener list
        shows.)  HTTP's Connection: close runs it per connection, so it
        is C.  Once the stream core runs the writes, Node's listener."""
        if self.heard & HEARD_WRITES:
            if not self._destroyed and not self._writableState.ending:
                self.call_end()
            if self._writableState.finished:
                self.call_destroy()
            else:
                # Ahead of the 'finish' listeners added after it, as Node's.
                self.once('finish', self.destroy)
            return
        if not self._destroyed and not self.ending:
            self.call_end()
        if self.finished:
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
        cdef bint in_flight
        if self._destroyed:
            return 0
        self._destroyed = True
        if self.heard & HEARD_WRITES:
            TAKEN_DESTROYED(self, error, False)
        if error is not None:
            # Node's ``errored``: in the instance's dict (a C field more
            # would cost every connection its allocation: see ``decoder``).
            try:
                self._errored = error
            except AttributeError:
                pass        # a bare Stream, which has no dict
        if self.flowing == NODE_READS:
            # Node's destroy() marks the read side's state as its own.
            self.decoder.destroyed = self.decoder.closed = True
            if error is not None:
                self.decoder.errored = error
        in_flight = self.write_reqs != 0
        discard_writes(self, error)
        if self.end_callbacks and not in_flight:
            # Node's Writable.destroy(): errorBuffer() on the next tick,
            # behind the dropped writes' callbacks and before 'error'.
            # Behind a write libuv still holds (Node's write in flight),
            # they wait for it: emit_close runs them, before 'close'.
            self.end_callbacks = False
            node_writes.end_failed(self, False)
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
        elif ((self._reset_on_destroy or self.loop.flusher.holds_read_of(self))
              and self.handle.type == uv.UV_TCP):
            # (A read held to the poll's end is, for Node, still unread in
            # the kernel: closing drops it with a reset, not our FIN.)
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

    cdef int end_tick(self) except -1:
        """The peer's FIN, a tick after the last 'data' (StreamWrites.on_tick
        runs it): 'end'; then, unless allowHalfOpen, end() our side in the
        tick after it (so a nextTick queued by an 'end' listener still sees
        writableEnded False and may write, as in Node); destroy() once our
        side finished too.  Nothing after destroy(), 'end' included."""
        if self._destroyed:
            return 0
        if self.flowing == NODE_READS:
            # Queued before the Readable API was taken: the stream core's 'end'.
            return self.push_node(None)
        self._readable_ended = True
        try:
            if self._own_end_listener:
                self.run_fin_listener()
            if self.heard & HEARD_END:
                self._emit('end', ())
        finally:
            # A listener that raised must not leave the socket half-done.
            self.after_readable_end()
        return 0

    cdef int after_readable_end(self) except -1:
        if not self._destroyed:
            if not self._allow_half_open:
                if queued(self.loop.ticks):
                    # Node's endWritableNT waits behind them.
                    self.loop.call_soon(_end_after_peer, (self,))
                else:
                    # Nothing could run between: the tick is saved.
                    self.call_end()
            if self.writes_finished():
                self.call_destroy()
        return 0

    cdef inline bint writes_finished(self) except -1:
        """'finish' was emitted (Node's state.finished): the stream core's,
        once it runs the writes."""
        if self.heard & HEARD_WRITES:
            return self._writableState.finished
        return self.finished

    def _take_writes(self, state, in_flight):
        """The write side's fields, which C kept so far, to the stream
        core's ``state`` (take_writes): from now on it runs the writes."""
        # What was gathered leaves first, as Node's write() had sent it.
        self.send_gathered()
        state.destroyed = state.closed = self._destroyed
        state.errored = self.errored
        state.ending = state.ended = self.ending
        state.finished = state.prefinished = state.finalCalled = self.finished
        if self.end_callbacks:
            state.onFinished = self._on_finished
            self._on_finished = None
            self.end_callbacks = False
        if self.destroy_at_finish:
            # destroySoon()'s, as Node's listener added then.
            self.destroy_at_finish = False
            self.prependOnceListener('finish', self.destroy)
        hand_writes_over(self, state, in_flight)

    def _node_end_emitted(self):
        """The stream core emitted 'end' (the ReadableState's endHook): the rest
        of end_tick's sequence."""
        if not self._destroyed:
            self._readable_ended = True
            if self._own_end_listener:
                # (The stream core emitted 'end' without asking for its
                # listeners: it had none of the program's.)
                self.run_fin_listener()
            self.after_readable_end()

    def _c_reads_done(self):
        """Whether the read side C keeps is done (destroyed, 'end' emitted,
        or never readable): what the stream core's 'finish' asks before
        autoDestroy, as Node's asks the ReadableState. C, as a server
        connection's every 'finish' asks it."""
        return self._destroyed or self._readable_ended or not self.readable_side

    cdef int emit_finish(self) except -1:
        """Our FIN left (or failed to: as Node, the shutdown's own status
        is no error of the socket: a FIFO answers ENOTSOCK, a peer that is
        gone ENOTCONN): 'finish', then destroy() when the reading side is
        done as well, or destroySoon() asked for it."""
        if self.heard & HEARD_WRITES:
            # The stream core's _final() is done: its finish sequence.
            self._writes_finished()
            return 0
        if self._destroyed:
            return 0
        self.finished = True
        try:
            if self.end_callbacks:
                self.end_callbacks = False
                node_writes.end_finished(self)
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
        if self.heard & HEARD_WRITES:
            TAKEN_DESTROYED(self, None, True)
        if self.end_callbacks:
            self.end_callbacks = False
            node_writes.end_failed(self, True)
        if self.flowing == NODE_READS:
            self.decoder.closed = self.decoder.closeEmitted = True
        try:
            if self.heard & HEARD_CLOSE:
                self._emit('close', (True,) if self._had_error else (False,))
        finally:
            reconnect = self._reconnect
            if reconnect is not None:
                self._reconnect = None
                self.connect(*reconnect[0], **reconnect[1])
        return 0

    cdef object write_after_end_error(self):
        if self.fin_listener & FIN_LISTENER_RAN:
            # Node's writeAfterFIN: we ended because the peer did (a plain
            # error with code EPIPE).  As Node, even after 'close'.
            return ended_by_peer()
        return errors.ERR_STREAM_WRITE_AFTER_END()

    cdef bint is_destroyed(self):
        return self._destroyed

    # -- Node's closed, errored, readableAborted, writableFinished --------

    @property
    def writableFinished(self):
        """True once 'finish' was emitted: everything written has left and
        the FIN was sent."""
        return self.writes_finished()

    def _no_writes(self):
        """A stream opened unwritable (``writable: False``): ended and
        finished from the start, as Node's Duplex."""
        self.ending = self.finished = True

    @property
    def closed(self):
        """True once destroyed (Node sets it as its _destroy() returns, before
        'close')."""
        return self._destroyed

    @property
    def errored(self):
        """The error the stream was destroyed with, else None."""
        return getattr(self, '_errored', None)

    @property
    def readableAborted(self):
        """True when destroyed or errored before 'end'."""
        return self.readable_side and self._destroyed and not self._readable_ended

    # -- hooks the facade overrides ---------------------------------------

    def _on_connect(self, status):
        pass


cdef inline unsigned char heard_bit(str event):
    """Stream.heard's bit for ``event``, 0 for any other event.  (Length
    and first letter first: a str comparison is a call, and every
    connection's 'error' listener asks: 'error' must not reach the
    comparison with 'end'.)"""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(event)
    cdef Py_UCS4 first
    if n < 3 or n > 8:
        return 0
    first = PyUnicode_READ_CHAR(event, 0)
    if first == 'e' and n == 3 and event == 'end':
        return HEARD_END
    if first == 'f' and n == 6 and event == 'finish':
        return HEARD_FINISH
    if first == 'c' and n == 5 and event == 'close':
        return HEARD_CLOSE
    if first == 'd' and n == 5 and event == 'drain':
        return HEARD_DRAIN
    if first == 'r' and n == 8 and event == 'readable':
        return HEARD_READABLE
    return 0


# Stream's own end() and destroy(), to tell a subclass's override from them.
cdef object STREAM_END = Stream.__dict__['end']
cdef object STREAM_DESTROY = Stream.__dict__['destroy']


cdef extern from "pyuvnet_cpython.h":
    bint type_attr_is "pyuvnet_type_attr_is" (PyTypeObject* type, object name, object own) noexcept
    unsigned int type_tag "pyuvnet_type_tag" (PyTypeObject* type) noexcept


# The last Stream type found to override neither end() nor destroy(), and
# its version tag then: its every connection asks both on its way out.
cdef PyTypeObject* plain_type = NULL
cdef unsigned int plain_tag = 0


cdef inline bint overridden(object obj, str name, object own):
    """Whether ``obj``'s class replaces the method ``own`` named ``name``
    (a lookup in the type's method cache, no attribute fetched; none for
    the last class that replaces neither, while it stays unchanged)."""
    cdef PyTypeObject* cls = Py_TYPE(obj)
    if cls == plain_type and type_tag(cls) == plain_tag:
        return False
    return overridden_by(cls, name, own)


cdef bint overridden_by(PyTypeObject* cls, str name, object own) noexcept:
    global plain_type, plain_tag
    if not type_attr_is(cls, name, own):
        return True
    if type_attr_is(cls, 'end', STREAM_END) and type_attr_is(cls, 'destroy', STREAM_DESTROY):
        # (After the lookups, which give the type a tag if it had none.)
        plain_tag = type_tag(cls)
        plain_type = cls if plain_tag else NULL
    return False


def _end_after_peer(Stream stream):
    """The tick end_tick queues: our side's end() after the peer's, unless
    the stream was destroyed or ended meanwhile (Node's endWritableNT)."""
    if not stream._destroyed:
        stream.call_end()
