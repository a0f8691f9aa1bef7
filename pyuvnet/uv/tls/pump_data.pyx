# TLSPumpData: the data half of a TLSPump (uv/tls/pump.pyx), as its C base:
# the per-chunk path once the connection is secure (plaintext read out of
# OpenSSL to 'data', and written back in), the readable side's flow
# control and 'end', and the close sequence: end() (close_notify, then
# FIN) and destroy().
#
# A base class rather than a file of helpers, because a cdef class cannot be
# split across files (as StreamWrites under Stream): every field and method
# stays a C access.  Its fields are the facade's state that the data path
# reads; TLSPump's own are the handshake's and the peer's.
#
# Read path (TLSPump's ``feed``, once secure): SSLSocket.read loop ->
# 'data' (or the readable queue while paused) without Python bytecode.  The
# read loop stops when the BIO and OpenSSL hold nothing more, so a read of
# whole records raises no SSLWantReadError.
#
# Write path: ``write(bytes)`` once secure, while the write state holds
# nothing: SSLSocket.write, its records written by the BIO straight into
# one bytes (write_records) -> the raw Stream's write (C), which gathers
# per loop turn.  What OpenSSL writes otherwise (the handshake, alerts, the
# facade's writes) waits in the BIO's buffer until flush_out.  Everything
# else (str, callbacks, before 'secure', corked, after end) runs Node's
# write sequences of the stream core over the socket's WritableState
# (``_writableState``, as a stream.Writable's), which call the facade's
# _write/_writev and this half's _final: a write before 'secure' is held
# (``_held_write``, Node's TLSWrap holds it so) until the handshake is done.
#
# Callbacks into the Python facade (TLSSocket) from this half, each on an
# event, never per chunk:
#   _tls_failure(exc)         OpenSSL failed on a read (the socket is destroyed)
#   _emit_new_session()       a 'session' listener and maybe a new ticket
#   _renegotiation_progress() a renegotiate() under way, after a read
#   _write(chunk, encoding, cb), _writev(chunks, cb)   the stream core's
#                             writes (those the fast path does not take)

cdef enum:
    # One TLS record carries at most 16 KiB of plaintext, and an SSL read
    # returns one record's: a larger buffer only costs malloc an mmap.
    TLS_READ_SIZE = 16384
    # What a write's records take beyond its plaintext, allowed per 16 KiB
    # record (TLS 1.3: 22 bytes; TLS 1.2 CBC with SHA-384: up to 85).  A
    # write that needs more (smaller records) goes on in the BIO's buffer.
    TLS_RECORD_PLAINTEXT = 16384
    TLS_RECORD_OVERHEAD = 128


# ssl's classes and the key log, bound when the first pump is made (importing
# ssl costs milliseconds that programs without TLS should not pay).
cdef object SSLWantReadError = None
cdef object SSLZeroReturnError = None
cdef object SSLError = None
cdef object MemoryBIO = None
cdef object SSLObject = None        # ssl's, and its SSLContext.wrap_bio
cdef object SSLCONTEXT_WRAP_BIO = None
cdef object KEYLOG = None       # tls/_session_events.py's: OpenSSL's key lines, while someone logs
# The stream core's write machine, handed by tls/_socket.py (the binding
# imports nothing above it): a new WritableState, and Node's write(),
# end() and errorBuffer() over one.
cdef object NEW_WRITE_STATE = None
cdef object WRITABLE_WRITE = None
cdef object WRITABLE_END = None
cdef object ERROR_BUFFER = None


cdef int bind_ssl() except -1:
    global SSLWantReadError, SSLZeroReturnError, SSLError, MemoryBIO
    global SSLObject, SSLCONTEXT_WRAP_BIO
    import ssl
    MemoryBIO = ssl.MemoryBIO
    SSLObject = ssl.SSLObject
    SSLCONTEXT_WRAP_BIO = ssl.SSLContext.wrap_bio
    SSLWantReadError = ssl.SSLWantReadError
    SSLZeroReturnError = ssl.SSLZeroReturnError
    SSLError = ssl.SSLError
    return 0


def _set_tls_write_kit(new_state, write, end, error_buffer):
    """pyuvnet.tls hands the binding the stream core's write machine
    (see NEW_WRITE_STATE), as it is imported."""
    global NEW_WRITE_STATE, WRITABLE_WRITE, WRITABLE_END, ERROR_BUFFER
    NEW_WRITE_STATE = new_state
    WRITABLE_WRITE = write
    WRITABLE_END = end
    ERROR_BUFFER = error_buffer


def _set_tls_kit(keylog, server_sessions):
    """pyuvnet.tls hands the binding, as it is imported, its key log and
    the class of a server's external session cache (tls/_session_events.py):
    the binding imports nothing above it."""
    global KEYLOG, ServerSessions
    KEYLOG = keylog
    ServerSessions = server_sessions


cdef class TLSPumpData(EventEmitter):
    """The data half of a TLSPump (its base class): plaintext out and in
    once secure, flow control, end and destroy; the attributes are the
    facade's state, shared with its Python half."""

    cdef object c_ssl               # sslobj._sslobj: the C methods the pump calls
    # The per-chunk calls, bound once: a call by name looks the method up
    # on the type each time, which on a 16 KiB record costs as much as the
    # rest of the glue.
    cdef object ssl_read, ssl_write, ssl_pending     # c_ssl's; None once closed
    cdef object bio_in_write, bio_out_read          # the MemoryBIOs' (when bio is NULL)
    cdef pyuvnet_tls_bio_t* bio     # the SSL's BIO (owned by the SSL); NULL once closed
    cdef object raw_write                           # the raw Stream's write
    cdef Stream raw_stream          # _raw, for its write buffer's counts; None over a JSStreamSocket
    cdef public object _raw         # the net.Socket carrying the ciphertext
    cdef public object _incoming    # MemoryBIO: ciphertext in
    cdef public object _outgoing    # MemoryBIO: ciphertext out
    cdef public bint _allow_half_open
    cdef public object _flowing     # None (no consumer yet), False, True: as a Readable
    cdef public object _decoder
    cdef public list _read_queue    # plaintext waiting for a consumer
    cdef public Py_ssize_t _read_queued
    # Node's write side, as a stream.Writable's: the writes held while
    # corked or behind one in flight, ending, 'finish', 'drain'.
    cdef public object _writableState
    cdef public object _held_write  # (chunk, callback): the write in flight before 'secure'
    cdef object write_callback      # the stream core's callback of the write the raw socket has
    cdef object closing_callback    # that callback, dropped by destroy(): called at 'close'
    cdef object final_callback      # _final()'s, until the raw socket's 'finish'
    cdef public bint _secure        # handshake done and the peer accepted
    cdef public bint _destroyed
    cdef public bint _peer_closed   # close_notify received
    cdef public bint _raw_ended     # the raw socket's 'end' (FIN)
    cdef public bint _end_emitted
    cdef public object _renegotiation   # a client's renegotiate() under way: its callback
    cdef public object _session_watch   # client: the new sessions while 'session' has a listener; server: a tls_session.ServerSessions
    # the stream core's ReadableState once the Readable API was taken (as a
    # Stream's: uv/stream/readable.pyx), which the plaintext is pushed
    # into; _flowing is then NODE_READS.
    cdef public object _readableState
    cdef Py_ssize_t readable_listeners  # 'readable' listeners last counted

    def __cinit__(self, *args, **kwargs):
        if SSLError is None:
            bind_ssl()
        self._read_queue = []
        self._writableState = NEW_WRITE_STATE()

    # -- reading -----------------------------------------------------------

    cdef bint has_unread(self):
        """Whether ciphertext waits for OpenSSL in the BIO."""
        if self.bio != NULL:
            return pyuvnet_tls_bio_unread(self.bio) > 0
        return self._incoming.pending > 0

    cdef int read_plaintext(self) except -1:
        """Plaintext out of OpenSSL: to 'data' while flowing, else into the
        readable queue (Node's readable buffer) up to the high-water mark,
        then the raw socket is paused.  'end' follows the last byte."""
        cdef object data
        if self.c_ssl is None or not self._secure:
            return 0        # before 'secure' only the handshake may read
        while not self._destroyed and not self._peer_closed:
            if not self.has_unread() and not self.ssl_pending():
                # Nothing new for OpenSSL (without read-ahead it takes from
                # the BIO only what the record in hand needs): a read would
                # only raise SSLWantReadError, which costs more than asking.
                break
            if (self._flowing is not True
                    and read_queue_full(self._read_queued, self.raw_read_hwm())):
                self._raw.pause()
                break
            try:
                data = self.ssl_read(TLS_READ_SIZE)
            except SSLWantReadError:
                break
            except SSLZeroReturnError:
                self._peer_closed = True        # close_notify
                break
            except SSLError as exc:
                self.flush_out(None)            # the alert tells the peer why
                self._tls_failure(exc)
                return 0
            if not data:
                # _ssl's read gives b'' (not SSLZeroReturnError) once
                # OpenSSL has the peer's close_notify: that is the 'end',
                # as Node's, over a TCP socket as over a Duplex (which may
                # never end); the FIN that follows is not waited for.
                self._peer_closed = True
                break
            if self._readableState is not None:
                if not node_reads.push(self, data):
                    # Its high-water mark: the raw socket stops until _read().
                    self._raw.pause()
                    break
            elif self._flowing is True and not self._read_queue:
                self.deliver(data)
            else:
                self._read_queue.append(data)
                self._read_queued += len(data)
            if self.c_ssl is None:
                break       # a 'data' listener destroyed the socket
        if self._destroyed:
            return 0
        if self._session_watch is not None:
            self._emit_new_session()    # TLS 1.3 tickets come with the data
        if self._renegotiation is not None:
            self._renegotiation_progress()
        # TLS 1.3 answers (key updates) may wait in the outgoing BIO.
        self.flush_out(None)
        # As net.Socket: 'end' waits for the data before it, and is emitted
        # paused too once none waits (Node's read(0) after pushing the end).
        if ((self._peer_closed or self._raw_ended) and not self._read_queue
                and not self._end_emitted):
            self.emit_end()
        return 0

    cdef Py_ssize_t raw_read_hwm(self) except -1:
        """The raw socket's read mark (a JSStreamSocket's is a Python one)."""
        if self.raw_stream is not None:
            return self.raw_stream.read_hwm
        return self._raw.readableHighWaterMark

    cdef bint raw_ending(self) except -1:
        """Whether end() was called on the raw socket."""
        if self.raw_stream is not None:
            return self.raw_stream.ending
        return self._raw.writableEnded

    cdef int emit_end(self) except -1:
        if self._end_emitted:
            return 0
        if self._readableState is not None:
            # the stream core emits 'end' once its buffer is read (read(0): as
            # a Stream's push_node).
            if not self._readableState.ended:
                node_reads.push(self, None)
                self.read(0)
            return 0
        self._end_emitted = True
        self._emit('end', ())
        return self.after_end()

    cdef int after_end(self) except -1:
        # Node's Duplex ends its write side at 'end' (allowHalfOpen false),
        # and endReadableNT destroys a socket whose writes are done at
        # once (autoDestroy): pipeline() then finds it destroyed, as
        # Node's, and does not destroy it with ERR_STREAM_DESTROYED.
        cdef object w = self._writableState
        if not self._allow_half_open and not self._destroyed:
            self.end()
        if self._destroyed:
            return 0
        if ((w is not None and w.autoDestroy and (w.finished or w.writable is False))
                or (self._raw_ended and self._raw.writableFinished)):
            self.destroy()
        return 0

    def _node_end_emitted(self):
        """The stream core emitted 'end' (the ReadableState's endHook): the rest
        of emit_end's sequence."""
        if not self._end_emitted:
            self._end_emitted = True
            self.after_end()

    def _c_reads_done(self):
        """Whether the read side C keeps is done (destroyed or 'end'
        emitted): what the stream core's 'finish' asks before autoDestroy,
        as Node's asks the ReadableState. C, as a server connection's
        every 'finish' asks it."""
        return self._destroyed or self._end_emitted

    def _read(self, n):
        """Node's _read(), once the Readable API was taken: the raw socket
        reads again, and what OpenSSL holds comes on the next tick."""
        if self._raw.isPaused():
            self._raw.resume()
        current_loop().call_soon(self._read_on, ())

    def _read_on(self):
        if not self._destroyed:
            self.read_plaintext()

    def _take_reads(self, state):
        """Hand the read side to ``state`` (as Stream._take_reads)."""
        queue = self._read_queue
        hand_over(state, self._flowing, self._decoder, self._end_emitted, self._destroyed)
        state.errored = self._raw.errored
        self._decoder = None
        self._read_queue = []
        self._read_queued = 0
        self._readableState = state
        self._flowing = NODE_READS
        return queue, (self._peer_closed or self._raw_ended) and not self._end_emitted

    cdef int deliver(self, object data) except -1:
        if self._decoder is not None:
            data = self._decoder(data)
        self._emit('data', (data,))
        return 0

    def _drain_read_queue(self):
        while self._read_queue and self._flowing is True and not self._destroyed:
            data = self._read_queue.pop(0)
            self._read_queued -= len(data)
            self.deliver(data)
        if self._flowing is True and not self._destroyed:
            if self._raw.isPaused():
                self._raw.resume()
            self.read_plaintext()

    def pause(self):
        """Stop 'data' until resume(); plaintext waits (readableLength) up
        to the high-water mark, then the raw socket stops reading."""
        if self._readableState is not None:
            node_reads.pause(self)
            return self
        self._flowing = False
        return self

    def resume(self):
        """(Re)start 'data'; what waited comes first, on the next tick."""
        if self._readableState is not None:
            node_reads.resume(self)
            return self
        if self._flowing is not True:
            self._flowing = True
            current_loop().next_tick(self._drain_read_queue)
        return self

    def isPaused(self):
        """True after pause() until resume() (False before either)."""
        return self._flowing is False

    # -- writing and ending ------------------------------------------------

    def _flush_out(self, callback=None):
        """Write what the outgoing BIO holds to the raw socket; returns the
        raw write()'s answer."""
        return self.flush_out(callback)

    cdef object flush_out(self, object callback):
        cdef pyuvnet_tls_bio_t* bio = self.bio
        cdef object data
        if bio != NULL:
            if bio.out_len or callback is not None:
                data = PyBytes_FromStringAndSize(bio.out, bio.out_len)
                bio.out_len = 0
                return self.raw_write(data, callback)
        elif self._outgoing.pending or callback is not None:
            return self.raw_write(self.bio_out_read(), callback)
        if self.raw_stream is None:     # a JSStreamSocket's
            return self._raw.writableLength < self._raw.writableHighWaterMark
        return (self.raw_stream.queued_bytes + self.raw_stream.inflight_bytes
                < self.raw_stream.write_hwm)    # the raw socket's writableLength < its hwm

    def _write_out(self, callback):
        """_write()'s flush: the raw socket calls this pump back, and the
        pump the stream core's ``callback`` (Node's TLSWrap write)."""
        self.write_callback = callback
        ok = self.flush_out(self._raw_wrote)
        if self.raw_stream is not None and self.raw_stream.flush_queued:
            # Node's TLSWrap calls back a write its raw socket took at once
            # from a native immediate (env->SetImmediate): in this turn's
            # check phase, ahead of the program's immediates, not at the
            # next turn's flush.  One taken later calls back when done.
            self.raw_stream.loop.add_native_immediate(self._send_raw_write, ())
        return ok

    def _send_raw_write(self):
        """_write_out()'s native immediate: the raw socket sends the write
        now, and calls it back if the kernel took it all."""
        if self.raw_stream is not None:
            self.raw_stream.send_gathered(True)

    def _raw_wrote(self, err=None):
        callback, self.write_callback = self.write_callback, None
        if callback is None:
            return
        if not self._destroyed:
            callback(err)
        elif err is None:
            # Sent before destroy(): Node's TLSWrap calls it back after
            # 'error' and the ticks queued by then, and the writes
            # behind it fail after it.
            next_tick_c(callback, ())
        else:
            # Dropped by destroy(): Node's calls it back (without the
            # error) as the socket closes.
            self.closing_callback = callback

    def write(self, data, encoding=None, callback=None):
        """Encrypt and send ``data``; returns False once writableLength
        reaches the high-water mark ('drain' follows).  Writes before the
        handshake finished wait for it."""
        if (type(data) is bytes and encoding is None and callback is None and self._secure
                and not self._destroyed and self.c_ssl is not None and self.writes_idle()):
            if not PyBytes_GET_SIZE(data):
                # OpenSSL is never given an empty write: it sends nothing,
                # and a zero-length SSL_write can fail with SSL_ERROR_SYSCALL
                # (ssl.SSLEOFError), which Node's empty write never does.
                return self.flush_out(None)
            if self.bio != NULL and self.bio.out_len == 0:
                return self.write_records(data)
            self.ssl_write(data)
            return self.flush_out(None)
        return WRITABLE_WRITE(self, data, encoding, callback)

    cdef bint writes_idle(self) except -1:
        """Whether Node's writeOrBuffer() would hand a write on at once
        with nothing before it: none in flight, none corked, not ended.
        The write then needs no state: it goes straight to OpenSSL."""
        state = self._writableState
        return not (state.writing or state.corked or state.ending)

    cdef object write_records(self, bytes data):
        """SSL_write with OpenSSL's records written straight into the
        bytes the raw socket is given: one copy less than through the
        BIO's buffer."""
        cdef pyuvnet_tls_bio_t* bio = self.bio     # (the SSL, which owns it, outlives the call)
        cdef Py_ssize_t size = PyBytes_GET_SIZE(data)
        cdef object ok = True
        cdef bytes records = PyBytes_FromStringAndSize(
            NULL, size + (size // TLS_RECORD_PLAINTEXT + 1) * TLS_RECORD_OVERHEAD)
        pyuvnet_tls_bio_aim(bio, records)
        try:
            self.ssl_write(data)
        finally:
            pyuvnet_tls_bio_unaim(bio, records)
        if PyBytes_GET_SIZE(records):
            ok = self.raw_write(records, None)
        rest = self.flush_out(None)     # the rest, if any
        # The raw socket's answer: False if either write's was.
        return False if ok is False else rest

    def end(self, data=None, encoding=None, callback=None):
        """Send ``data`` if given, then close_notify, then FIN; ``callback``
        runs on 'finish'.  Before 'secure' it waits for the handshake."""
        return WRITABLE_END(self, data, encoding, callback)

    def _final(self, callback):
        """Node's _final(): close_notify, then FIN, once the handshake is
        done; ``callback`` on the raw socket's 'finish'."""
        self.final_callback = callback
        if self._secure or self._destroyed:
            self.send_close()

    cdef int send_close(self) except -1:
        if self.c_ssl is not None and not self.raw_ending():
            # A second SSL_shutdown would read on: records still unread
            # (data sent with the peer's Finished) would fail it with
            # APPLICATION_DATA_AFTER_CLOSE_NOTIFY.  They wait aside.
            unread = None
            if self.bio != NULL:
                self.bio.held = 1
            else:
                unread = self._incoming.read()
            try:
                self.c_ssl.shutdown()
            except SSLError:
                pass    # close_notify is queued; the peer's answer is not awaited
            if self.bio != NULL:
                self.bio.held = 0
            elif unread:
                self._incoming.write(unread)
            self.flush_out(None)
        self._raw.end()
        return 0

    def destroy(self, error=None):
        """Close now; with ``error``: 'error'(error) then 'close'(True)."""
        if not self._destroyed:
            self.destroy_writes(error, False)
            if self._readableState is not None:
                self._readableState.destroyed = self._readableState.closed = True
                if error is not None:
                    self._readableState.errored = error
            self._raw.destroy(error)
            self.call_back_held_write(False)
        return self

    cdef int destroy_writes(self, object error, bint now) except -1:
        """Node's Writable.destroy() of the write side: the buffered
        writes and end() callbacks fail on the next tick, before 'error'
        (errorBuffer; ``now``: at once, the raw socket closed under us)."""
        state = self._writableState
        self._destroyed = True
        state.destroyed = True
        if error is not None and state.errored is None:
            state.errored = error
        self.final_callback = None
        if state.bufferedIndex < len(state.buffered) or state.onFinished:
            if now:
                ERROR_BUFFER(state)
            else:
                next_tick_c(ERROR_BUFFER, (state,))
        return 0

    cdef int call_back_held_write(self, bint now) except -1:
        """The write the handshake held is called back without an error,
        as Node's TLSWrap calls it back when destroyed, after 'error'; the
        stream core then fails the writes behind it (errorBuffer)."""
        if self._held_write is not None:
            held, self._held_write = self._held_write, None
            if now:
                held[1]()
            else:
                next_tick_c(held[1], ())
        return 0
