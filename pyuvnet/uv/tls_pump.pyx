# TLSPump: the C half of a TLSSocket (pyuvnet/tls_socket.py): the BIO pump
# on the per-chunk path, the handshake and the close sequence.  TLSAcceptor,
# which makes a tls.Server's TLSSockets, is in tls_acceptor.pyx; the pump's
# BIO is bound in tls_bio.pyx; the OpenSSL calls it makes on the SSL* under
# Python's ssl objects are in tls_openssl.pyx.
#
# Why so much of a TLSSocket is here: a server's handshake is cheap for
# OpenSSL (~2.4M instructions with ECDSA P-256) and the glue around it was
# not: every Python frame per connection costs hundreds of instructions,
# and a socket made, driven through its handshake, ended and closed by
# Python methods ran ~120k instructions more than uvloop's sslproto.  So a
# connection's whole life on the expected path (accept, handshake, 'secure',
# data, end, close) runs here, and the Python facade is called only for
# what is rare: a peer to verify (requestCert, or a client checking the
# server), a failure, 'session' and 'keylog' listeners, writes the fast
# path does not take.  bench/tls_bench.py --instructions counts it.
#
# The ciphertext: the SSL under the SSLObject reads and writes through one
# BIO of the pump's (pyuvnet_tls_bio.h), not the two ssl.MemoryBIOs it was
# made with, which cost three passes over every byte each way.  Where that
# BIO cannot be made (OpenSSL's functions not reachable), the MemoryBIOs
# stay and ``bio`` is NULL.
#
# Read path: the raw Stream hands each read to ``feed`` from C, where libuv
# left it (Stream's ``sink``); while the raw socket is paused its chunks
# wait as bytes and come back through ``_on_raw_data``, its sole 'data'
# listener.  Before 'secure' the ciphertext drives the handshake
# (``do_handshake`` of CPython's _ssl object, never ssl.py's wrapper); once
# secure, SSLSocket.read loop -> 'data' (or the readable queue while
# paused) without Python bytecode.  The read loop stops when the BIO and
# OpenSSL hold nothing more, so a read of whole records raises no
# SSLWantReadError.  What OpenSSL has not taken when the read is over is
# kept by the BIO.
#
# Write path: ``write(bytes)`` once secure: SSLSocket.write, its records
# written by the BIO straight into one bytes (write_records) -> the raw
# Stream's write (C), which gathers per loop turn.  What OpenSSL writes
# otherwise (the handshake, alerts, the facade's writes) waits in the BIO's
# buffer until flush_out.  Everything else (str, callbacks, before
# 'secure', corked, after end) is the facade's _write.
#
# Callbacks into the Python facade (TLSSocket), each on an event, never per
# chunk and never on a server connection's expected path:
#   _verify_peer(sslobj)      the handshake finished and a peer is judged
#   _fail_handshake(err)      the handshake failed, or the peer was refused
#   _handshake_failed(exc)    OpenSSL failed during the handshake
#   _hung_up()                the raw socket ended before 'secure'
#   _tls_failure(exc)         OpenSSL failed on a read (the socket is destroyed)
#   _emit_new_session()       a 'session' listener and maybe a new ticket
#   _ask_resume_session(), _hold_secure()   a server's external session cache
#   _renegotiation_progress() a renegotiate() under way, after a read
#   _on_handshake_timeout()   tls.Server's handshakeTimeout passed
#   _write(...), _write_corked()   writes the fast path does not take
# The pump holds the SSLObject, its _ssl object and the BIOs; the raw
# Socket's 'close' drops them, which frees OpenSSL's state.  The raw Socket
# holds the pump through its listeners and the pump holds the raw Socket:
# the cycle ends when the Socket's handle closes (Stream releases itself)
# and the GC collects the pair.

cdef int feed_pump(object pump, const char* data, Py_ssize_t size) except -1:
    # Stream's sink function (stream.pyx): a raw read, for the pump.
    return (<TLSPump>pump).feed(data, size)


cdef enum:
    # One TLS record carries at most 16 KiB of plaintext, and an SSL read
    # returns one record's: a larger buffer only costs malloc an mmap.
    TLS_READ_SIZE = 16384
    TLS_READ_HWM = 65536        # Node's readableHighWaterMark for sockets
    SSL_ERROR_WANT_X509_LOOKUP = 4  # a certificate callback suspended the handshake
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
cdef object KEYLOG = None       # tls_session.KEYLOG: OpenSSL's key lines, while someone logs


cdef int bind_ssl() except -1:
    global SSLWantReadError, SSLZeroReturnError, SSLError, MemoryBIO, KEYLOG
    global SSLObject, SSLCONTEXT_WRAP_BIO
    import ssl
    from pyuvnet.tls_session import KEYLOG as keylog
    MemoryBIO = ssl.MemoryBIO
    SSLObject = ssl.SSLObject
    SSLCONTEXT_WRAP_BIO = ssl.SSLContext.wrap_bio
    SSLWantReadError = ssl.SSLWantReadError
    SSLZeroReturnError = ssl.SSLZeroReturnError
    SSLError = ssl.SSLError
    KEYLOG = keylog
    return 0


cdef class TLSPump(EventEmitter):
    """The C half of a TLSSocket (its base class); the attributes are the
    facade's state, shared with its Python half."""

    cdef object sslobj              # ssl.SSLObject (its Python API: handshake, certs)
    cdef object c_ssl               # sslobj._sslobj: the C methods the pump calls
    # The per-chunk calls, bound once: a call by name looks the method up
    # on the type each time, which on a 16 KiB record costs as much as the
    # rest of the glue.
    cdef object ssl_read, ssl_write, ssl_pending     # c_ssl's; None once closed
    cdef object bio_in_write, bio_out_read          # the MemoryBIOs' (when bio is NULL)
    cdef pyuvnet_tls_bio_t* bio     # the SSL's BIO (owned by the SSL); NULL once closed
    cdef object raw_write                           # the raw Stream's write
    cdef Stream raw_stream          # _raw, for its write buffer's counts
    cdef object handshake_timer     # tls.Server's handshakeTimeout, until 'secure' or 'close'
    cdef bint servername_hooked     # a Python SNI hook records the name (else read at 'secure')
    cdef public object _raw         # the net.Socket carrying the ciphertext
    cdef public object _incoming    # MemoryBIO: ciphertext in
    cdef public object _outgoing    # MemoryBIO: ciphertext out
    cdef public object _context     # the SecureContext
    cdef public object server
    """The tls.Server that accepted this connection; None for a client."""
    cdef public bint _is_server
    cdef public bint _allow_half_open
    cdef public bint _request_cert
    cdef public bint _reject_unauthorized
    cdef public object _servername  # client: the SNI name sent; server: the one received
    cdef public bint _authorized
    cdef public object _authorization_error
    cdef public object _peer_cert   # getPeerCertificate()'s record, made once
    cdef public object _flowing     # None (no consumer yet), False, True: as a Readable
    cdef public object _decoder
    cdef public list _read_queue    # plaintext waiting for a consumer
    cdef public Py_ssize_t _read_queued
    cdef public list _pending_writes    # (bytes, callback) written before 'secure'
    cdef public list _corked_writes     # (bytes, callback) written while corked
    cdef list end_callbacks     # end()'s callbacks: they run before 'finish' listeners
    cdef public Py_ssize_t _corked_bytes
    cdef public bint _secure        # handshake done and the peer accepted
    cdef public bint _destroyed
    cdef public bint _peer_closed   # close_notify received
    cdef public bint _raw_ended     # the raw socket's 'end' (FIN)
    cdef public bint _end_emitted
    cdef public bint _ended         # our end() was called
    cdef public int _corked         # cork() depth: writes wait in the facade
    cdef public object _pending_end  # end()'s arguments while handshaking
    cdef public object _renegotiation   # a client's renegotiate() under way: its callback
    cdef public object _session_watch   # client: the new sessions while 'session' has a listener; server: a tls_session.ServerSessions
    cdef public bint _keylog        # whether 'keylog' is emitted
    cdef public bint _ocsp_requested    # client: requestOCSP (tls_ocsp.py)

    def __cinit__(self, *args, **kwargs):
        if SSLError is None:
            bind_ssl()
        self._read_queue = []
        self._pending_writes = []
        self._corked_writes = []
        self.end_callbacks = []
        self._reject_unauthorized = True

    @property
    def _ssl(self):
        """The ssl.SSLObject, None once closed."""
        return self.sslobj

    @_ssl.setter
    def _ssl(self, sslobj):
        # Set once the BIOs are (the SSLObject is made over them).
        self.set_ssl(sslobj, False)

    cdef int set_ssl(self, object sslobj, bint placeholders) except -1:
        """Hold ``sslobj`` and put the pump's BIO under its SSL; with
        ``placeholders`` (MemoryBIOs shared by a server's connections) the
        BIO must take their place."""
        cdef void* ssl
        self.sslobj = sslobj
        self.bio = NULL         # the SSL owns it: gone with the SSLObject
        if sslobj is None:
            self.c_ssl = self.ssl_read = self.ssl_write = self.ssl_pending = None
            return 0
        ssl = proven_ssl_pointer(sslobj) if tls_bio_ready() else NULL
        if ssl != NULL:
            self.bio = pyuvnet_tls_bio_attach(ssl)
        if self.bio == NULL:
            if placeholders:
                raise MemoryError()     # (the pointer was proven for this server's context)
            self.bio_in_write = self._incoming.write
            self.bio_out_read = self._outgoing.read
        self.c_ssl = sslobj._sslobj
        self.ssl_read = self.c_ssl.read
        self.ssl_write = self.c_ssl.write
        self.ssl_pending = self.c_ssl.pending
        return 0

    # -- becoming a connection ---------------------------------------------

    def _accept(self, raw, TLSAcceptor acceptor):
        """Become the server side of ``raw`` with the acceptor's settings;
        the handshake starts with the ClientHello."""
        self.accept(raw, acceptor)

    cdef int accept(self, object raw, TLSAcceptor acceptor) except -1:
        cdef TLSServerSettings settings = acceptor.settings
        cdef object sslobj
        self._is_server = True
        self.server = acceptor.server
        self._context = settings.secure_context
        self._allow_half_open = settings.allow_half_open
        self._request_cert = settings.request_cert
        self._reject_unauthorized = settings.reject_unauthorized
        if settings.placeholder_bios is not None:
            # SSLContext.wrap_bio(server_side=True) without its three Python
            # frames (wrap_bio, SSLObject._create, _encode_hostname): the
            # same objects, over the placeholders the pump's BIO replaces.
            self._incoming, self._outgoing = settings.placeholder_bios
            sslobj = SSLObject.__new__(SSLObject)
            sslobj._sslobj = settings.ssl_context._wrap_bio(
                self._incoming, self._outgoing, server_side=True, server_hostname=None,
                owner=sslobj, session=None)
            self.set_ssl(sslobj, True)
        else:
            self._incoming = MemoryBIO()
            self._outgoing = MemoryBIO()
            self.set_ssl(settings.ssl_context.wrap_bio(self._incoming, self._outgoing,
                                                       server_side=True), False)
        self.servername_hooked = settings.servername_hooked
        if self.servername_hooked:
            self.sslobj.pyuvnet_owner = self
        watch_client_renegotiation(self, self.sslobj)
        if settings.verify_mode >= 0:
            openssl.set_verify(required_ssl_pointer(self.sslobj), settings.verify_mode,
                               pyuvnet_accept_all)
        if self.server is not None and self.server.listenerCount('OCSPRequest'):
            self._watch_ocsp_request()      # tls_ocsp.py
        self.attach(raw, True)
        if settings.handshake_timeout > 0:
            self.handshake_timer = TimerHandle(self._on_handshake_timeout,
                                               settings.handshake_timeout, (), False)
            self.handshake_timer.unref()
        return 0

    def _attach(self, raw):
        """Own ``raw``, a net.Socket: its events become this socket's (the
        SSLObject and BIOs are set).  A client's handshake starts once it
        is connected."""
        self.attach(raw, False)

    cdef int attach(self, object raw, bint accepted) except -1:
        cdef Stream stream = <Stream?>raw
        self._raw = raw
        self.raw_stream = stream
        self.raw_write = raw.write
        # The raw socket must not answer the peer's FIN by itself: close_notify
        # goes first, and only this socket knows when.
        stream._allow_half_open = True
        # C methods; the 'data' one is the sole listener: Stream.deliver
        # calls it from C, and while it is, reads come to feed() unmade.
        listener = self._on_raw_data
        if self.bio != NULL:
            stream.sink = self
            stream.sink_listener = listener
            stream.feed_sink = feed_pump
        stream._add('data', listener, False, False)
        stream._add('end', self._on_raw_end, False, False)
        stream._add('error', self._on_raw_error, False, False)
        stream._add('close', self._on_raw_close, False, False)
        stream._add('drain', self._on_raw_drain, False, False)
        stream._add('finish', self._on_raw_finish, False, False)
        stream._add('timeout', self._on_raw_timeout, False, False)
        if self.server is not None and self.server.listenerCount('keylog'):
            self._log_keys_to_server()
        if not accepted and raw.pending:
            stream._add('connect', self._on_raw_connect, False, True)
        elif not self._is_server:
            current_loop().next_tick(self._start)
        return 0

    cdef void _listeners_changed(self, object event):
        # Node's Readable starts flowing on the first 'data' listener (next
        # tick); 'session' and 'keylog' cost only while listened to.
        if event == 'data':
            if self._flowing is None and self._handler('data') is not None:
                current_loop().next_tick(self.resume)
        elif event == 'session':
            if not self._is_server and self._session_watch is None and self._handler('session') is not None:
                self._start_session_watch()
        elif event == 'keylog':
            if not self._keylog and self.sslobj is not None and self._handler('keylog') is not None:
                self._keylog = True
                KEYLOG.enable(self.sslobj.context)

    def _on_raw_connect(self):
        self._emit('connect', ())
        self._start()

    def _start(self):
        if not self._is_server and not self._destroyed:
            self.pump()         # the ClientHello

    # -- the handshake -----------------------------------------------------

    cdef int pump(self) except -1:
        """Drive the handshake, then move plaintext to 'data' while flowing;
        whatever OpenSSL wants to send goes to the raw socket."""
        if self.c_ssl is None:
            return 0
        if not self._secure:
            try:
                self.c_ssl.do_handshake()
            except SSLWantReadError:
                self.take_keylog()
                self.flush_out(None)
                return 0
            except SSLError as exc:
                if exc.errno == SSL_ERROR_WANT_X509_LOOKUP:
                    self._handshake_suspended()     # tls_ocsp.py: until it answers
                    return 0
                self.take_keylog()
                if self._is_server and self._session_watch is not None and self._session_watch.waiting:
                    self._ask_resume_session()      # not a failure: the lookup waits
                    return 0
                # The alert tells the peer why; but an SNICallback's refusal
                # is Node's destroy(err): the peer sees the connection go.
                if getattr(self, '_sni_refusal', None) is None:
                    self.flush_out(None)
                self._handshake_failed(exc)
                return 0
            self.take_keylog()
            # As Node, a client that rejects the server leaves before its
            # Finished is sent: the server sees a hang-up, not an alert.
            if not self.handshake_done():
                return 0
        self.read_plaintext()
        return 0

    def _continue_handshake(self):
        """Go on with a handshake that waited: for 'resumeSession''s answer
        (tls_socket_sessions.py), or suspended by OpenSSL for 'OCSPRequest'
        (tls_ocsp.py)."""
        if not self._destroyed:
            self.pump()

    cdef bint handshake_done(self) except -1:
        """Judge the peer, send what waited, emit 'secure'/'secureConnect'
        (and 'secureConnection' on the server).  False when the peer was
        refused (the socket is destroyed), or while a server's 'newSession'
        holds the rest."""
        self._secure = True
        self._peer_cert = None
        self.stop_handshake_timer()
        if not self._is_server and self._ocsp_requested:
            self._emit_ocsp_response()      # tls_ocsp.py: before the peer is judged
            if self._destroyed:
                return False
        if not self._is_server or self._request_cert:
            error = self._verify_peer(self.sslobj)
            if error is not None and self._reject_unauthorized:
                self._refuse_peer(error)
                return False
        if self._is_server and not self.servername_hooked:
            self._servername = tls_servername(self.sslobj)
        if self._is_server and self._session_watch is not None and self._hold_secure():
            # As Node's: the last flight and 'secure' wait for the server's
            # 'newSession' callbacks (tls_socket.py calls _secure_now()).
            return False
        return self.secure_now()

    def _secure_now(self):
        """Finish what the handshake's end held (see handshake_done), then
        read on."""
        if self.c_ssl is not None and not self._destroyed and self.secure_now():
            self.read_plaintext()

    cdef bint secure_now(self) except -1:
        """Send what waited, emit 'secure'/'secureConnect' (and
        'secureConnection' on the server)."""
        self.flush_out(None)
        if self._pending_writes:
            writes, self._pending_writes = self._pending_writes, []
            for data, callback in writes:
                if data:            # (never an empty write: see write())
                    self.c_ssl.write(data)
                self.flush_out(callback)
        if self._is_server:
            self._emit('secure', ())
            if self.server is not None:
                self.server.emit('secureConnection', self)
        else:
            self._emit('secureConnect', ())
            if self._session_watch is not None:
                self._emit_new_session()
        if self._pending_end is not None:
            self.end(*self._pending_end)
        return self.c_ssl is not None

    cdef void stop_handshake_timer(self):
        if self.handshake_timer is not None:
            self.handshake_timer.close()
            self.handshake_timer = None

    cdef int take_keylog(self) except -1:
        # Every socket takes the lines its OpenSSL call wrote (tls_session
        # explains why they are its own); only those that log emit them.
        if KEYLOG.active:
            lines = KEYLOG.take_lines()
            if self._keylog:
                for line in lines:
                    self._emit('keylog', (line,))
        return 0

    # -- the raw socket's events -------------------------------------------

    def _on_raw_data(self, bytes chunk):
        """The raw socket's 'data' listener: ciphertext in, plaintext out."""
        if self.bio != NULL:
            self.feed(PyBytes_AS_STRING(chunk), PyBytes_GET_SIZE(chunk))
            return
        if self._destroyed:
            return          # nothing is emitted after destroy()
        self.bio_in_write(chunk)
        self.take_ciphertext()

    cdef int feed(self, const char* data, Py_ssize_t size) except -1:
        """Ciphertext in (the BIO reads it where it is), plaintext out;
        what OpenSSL has not taken is copied aside before returning."""
        cdef pyuvnet_tls_bio_t* bio = self.bio
        if self._destroyed or bio == NULL:
            return 0        # nothing is emitted after destroy()
        bio.fresh = data
        bio.fresh_off = 0
        bio.fresh_len = size
        try:
            self.take_ciphertext()
        finally:
            # A listener may have destroyed the socket, but the SSLObject
            # (and its BIO) goes only at the raw socket's 'close', later.
            if self.bio != NULL and pyuvnet_tls_bio_keep_fresh(self.bio) < 0:
                raise MemoryError()
        return 0

    cdef int take_ciphertext(self) except -1:
        if self._secure:
            self.read_plaintext()
        else:
            self.pump()
        return 0

    cdef bint has_unread(self):
        """Whether ciphertext waits for OpenSSL in the BIO."""
        if self.bio != NULL:
            return pyuvnet_tls_bio_unread(self.bio) > 0
        return self._incoming.pending > 0

    def _on_raw_end(self):
        self._raw_ended = True
        if not self._secure:
            self._hung_up()
            return
        self.read_plaintext()

    def _on_raw_close(self, had_error):
        self._destroyed = True
        self.stop_handshake_timer()
        self._ssl = None        # frees the SSLObject and its OpenSSL state
        self._emit('close', (had_error,))

    # The raw socket's events this socket repeats, without Python frames
    # ('drain' comes once per burst of writes under backpressure).
    def _on_raw_drain(self):
        self._emit('drain', ())

    def _on_raw_finish(self):
        # As Node's Writable: end()'s callbacks first, then 'finish'.
        callbacks, self.end_callbacks = self.end_callbacks, []
        for callback in callbacks:
            callback()
        self._emit('finish', ())

    def _on_raw_timeout(self):
        self._emit('timeout', ())

    # -- reading -----------------------------------------------------------

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
            if self._flowing is not True and self._read_queued >= TLS_READ_HWM:
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
                break
            if self._flowing is True and not self._read_queue:
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
        # As net.Socket: paused, 'end' waits for resume() like the data.
        if ((self._peer_closed or self._raw_ended) and not self._read_queue
                and self._flowing is not False and not self._end_emitted):
            self.emit_end()
        return 0

    cdef int emit_end(self) except -1:
        if self._end_emitted:
            return 0
        self._end_emitted = True
        self._emit('end', ())
        if not self._allow_half_open and not self._destroyed:
            self.end()
        elif self._raw_ended and self._raw.writableFinished and not self._destroyed:
            self.destroy()
        return 0

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
        self._flowing = False
        return self

    def resume(self):
        """(Re)start 'data'; what waited comes first, on the next tick."""
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
        return (self.raw_stream.queued_bytes + self.raw_stream.inflight_bytes
                < self.raw_stream.write_hwm)    # the raw socket's writableLength < its hwm

    def write(self, data, encoding=None, callback=None):
        """Encrypt and send ``data``; returns False once the raw socket's
        buffer reaches its highWaterMark ('drain' follows).  Writes before
        the handshake finished wait for it."""
        if (type(data) is bytes and encoding is None and callback is None and self._secure
                and not self._ended and not self._destroyed and self._pending_end is None
                and self._corked == 0 and self.c_ssl is not None):
            if not PyBytes_GET_SIZE(data):
                # OpenSSL is never given an empty write: it sends nothing,
                # and a zero-length SSL_write can fail with SSL_ERROR_SYSCALL
                # (ssl.SSLEOFError), which Node's empty write never does.
                return self.flush_out(None)
            if self.bio != NULL and self.bio.out_len == 0:
                return self.write_records(data)
            self.ssl_write(data)
            return self.flush_out(None)
        return self._write(data, encoding, callback)

    cdef object write_records(self, bytes data):
        """SSL_write with OpenSSL's records written straight into the
        bytes the raw socket is given: one copy less than through the
        BIO's buffer."""
        cdef pyuvnet_tls_bio_t* bio = self.bio     # (the SSL, which owns it, outlives the call)
        cdef Py_ssize_t size = PyBytes_GET_SIZE(data)
        cdef bytes records = PyBytes_FromStringAndSize(
            NULL, size + (size // TLS_RECORD_PLAINTEXT + 1) * TLS_RECORD_OVERHEAD)
        pyuvnet_tls_bio_aim(bio, records)
        try:
            self.ssl_write(data)
        finally:
            pyuvnet_tls_bio_unaim(bio, records)
        if PyBytes_GET_SIZE(records):
            self.raw_write(records, None)
        return self.flush_out(None)     # the rest, if any; the raw socket's answer

    def end(self, data=None, encoding=None, callback=None):
        """Send ``data`` if given, then close_notify, then FIN; ``callback``
        runs on 'finish'.  Before 'secure' it waits for the handshake."""
        if callable(data):
            data, callback = None, data
        elif callable(encoding):
            encoding, callback = None, encoding
        if data is not None:
            self.write(data, encoding)
        if not self._secure and not self._destroyed:
            self._pending_end = (None, None, callback)
            return self
        self._pending_end = None
        if not self._ended and self.c_ssl is not None:
            self._ended = True
            self._corked = 0        # Node's end() uncorks
            if self._corked_writes:
                self._write_corked()
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
        if callback is not None and not self._raw.writableFinished:
            self.end_callbacks.append(callback)
            callback = None
        self._raw.end(callback)     # (a callback here: already finished, Node's error)
        return self

    def destroy(self, error=None):
        """Close now; with ``error``: 'error'(error) then 'close'(True)."""
        if not self._destroyed:
            self._destroyed = True
            self._pending_writes = []
            self._corked_writes = []
            self._corked_bytes = 0
            self._raw.destroy(error)
        return self
