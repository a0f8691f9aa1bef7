# TLSPump: the C half of a TLSSocket (pyuvnet/tls/_socket.py): a connection
# made (a server's accept, a client's attach), its handshake and 'secure',
# and the raw socket's events.  Its base class TLSPumpData
# (tls/pump_data.pyx) is the per-chunk path once secure and the close
# sequence.  TLSAcceptor, which makes a tls.Server's TLSSockets, is in
# tls/acceptor.pyx; the pump's BIO is bound in tls/bio.pyx; the OpenSSL
# calls it makes on the SSL* under Python's ssl objects are in
# tls/openssl.pyx.
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
# secure, it goes to the read loop (read_plaintext, tls/pump_data.pyx).
# What OpenSSL has not taken when the read is over is kept by the BIO.
#
# Callbacks into the Python facade (TLSSocket) from this half, each on an
# event, never per chunk and never on a server connection's expected path
# (the data half's are listed in tls/pump_data.pyx):
#   _verify_peer(sslobj)      the handshake finished and a peer is judged
#   _fail_handshake(err)      the handshake failed, or the peer was refused
#   _handshake_failed(exc)    OpenSSL failed during the handshake
#   _hung_up()                the raw socket ended before 'secure'
#   _emit_new_session()       a client's 'session' listener, at 'secureConnect'
#   _ask_resume_session(), _hold_secure()   a server's external session cache
#   _on_handshake_timeout()   tls.Server's handshakeTimeout passed
# The pump holds the SSLObject, its _ssl object and the BIOs; the raw
# Socket's 'close' drops them, which frees OpenSSL's state.  The raw Socket
# holds the pump through its listeners and its sink until that 'close',
# its last event, and lets them go then (let_go_of_raw): the pump holds
# the raw Socket, not the other way, and the pair is freed without the GC.

cdef int feed_pump(object pump, const char* data, Py_ssize_t size) except -1:
    # Stream's sink function (stream/readable.pyx): a raw read, for the pump.
    return (<TLSPump>pump).feed(data, size)


cdef enum:
    SSL_ERROR_WANT_X509_LOOKUP = 4  # a certificate callback suspended the handshake


# The raw socket's events a TLSSocket listens to, each with its
# ``_on_raw_<event>`` method ('data' first: the sink's listener).
cdef tuple RAW_EVENTS = ('data', 'end', 'error', 'close', 'drain', 'finish', 'timeout')


cdef class TLSPump(TLSPumpData):
    """The C half of a TLSSocket (its base class); the attributes are the
    facade's state, shared with its Python half."""

    cdef object sslobj              # ssl.SSLObject (its Python API: handshake, certs)
    cdef object handshake_timer     # tls.Server's handshakeTimeout, until 'secure' or 'close'
    cdef bint servername_hooked     # a Python SNI hook records the name (else read at 'secure')
    cdef public object _context     # the SecureContext
    cdef public object server
    """The tls.Server that accepted this connection; None for a client."""
    cdef public bint _is_server
    cdef public bint _request_cert
    cdef public bint _reject_unauthorized
    cdef public object _servername  # client: the SNI name sent; server: the one received
    cdef public bint _authorized
    cdef public object _authorization_error
    cdef public object _peer_cert   # getPeerCertificate()'s record, made once
    cdef public bint _keylog        # whether 'keylog' is emitted
    cdef public bint _ocsp_requested    # client: requestOCSP (tls/_ocsp.py)

    def __cinit__(self, *args, **kwargs):
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
            self._watch_ocsp_request()      # tls/_ocsp.py
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
        # ``raw`` is a net.Socket (a libuv Stream), or a JSStreamSocket
        # (_internal/js_stream_socket.py) over a stream with no handle,
        # which has the same events and methods but no C fields.
        cdef EventEmitter events = <EventEmitter?>raw
        cdef Stream stream = raw if isinstance(raw, Stream) else None
        self._raw = raw
        self.raw_stream = stream
        self.raw_write = raw.write
        if stream is None:
            self._writableState.highWaterMark = raw.writableHighWaterMark
        else:
            self._writableState.highWaterMark = stream.write_hwm
            # Our write() answers with the raw socket's count before the kernel
            # takes what it was given: Node's TLSWrap calls a write back later,
            # so a TLS write of the mark answers False however fast it leaves.
            stream.answer_before_send = True
            # The raw socket must not answer the peer's FIN by itself: close_notify
            # goes first, and only this socket knows when.
            stream._allow_half_open = True
            # C methods; the 'data' one is the sole listener: Stream.deliver
            # calls it from C, and while it is, reads come to feed() unmade.
            if self.bio != NULL:
                stream.take_sink(self, self._on_raw_data, feed_pump, NULL)
        for event in RAW_EVENTS:
            events._add(event, getattr(self, '_on_raw_' + event), False, False)
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
            if self._readableState is not None:
                if self._handler('data') is not None:
                    node_reads.listener_added(self, 'data')
            elif self._flowing is None and self._handler('data') is not None:
                current_loop().next_tick(self.resume)
        elif event == 'readable':
            self.readable_listeners = readable_heard(self, self._readableState,
                                                     self.readable_listeners)
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
                    self._handshake_suspended()     # tls/_ocsp.py: until it answers
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
        (tls/_socket_sessions.py), or suspended by OpenSSL for 'OCSPRequest'
        (tls/_ocsp.py)."""
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
            self._emit_ocsp_response()      # tls/_ocsp.py: before the peer is judged
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
            # 'newSession' callbacks (tls/_socket.py calls _secure_now()).
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
        if self._held_write is not None:
            # The write the handshake held leaves first; the stream core
            # sends what its buffer holds once its callback came.
            (data, callback), self._held_write = self._held_write, None
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
        if self.final_callback is not None and not self._destroyed:
            self.send_close()       # end() was called before 'secure'
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

    def _on_raw_end(self):
        self._raw_ended = True
        if not self._secure:
            self._hung_up()
            return
        self.read_plaintext()

    def _on_raw_close(self, had_error):
        # The raw socket closed with no destroy() of this one: the
        # writes' and end()'s callbacks fail first.
        if not self._destroyed:
            self.destroy_writes(self._raw.errored, True)
            self.call_back_held_write(True)
        writes = self._writableState
        writes.closed = writes.closeEmitted = True
        self.stop_handshake_timer()
        self._ssl = None        # frees the SSLObject and its OpenSSL state
        if self._readableState is not None:
            state = self._readableState
            state.destroyed = state.closed = state.closeEmitted = True
            if state.errored is None:
                state.errored = self._raw.errored
        if self.closing_callback is not None:
            callback, self.closing_callback = self.closing_callback, None
            callback()
        self._emit('close', (had_error,))
        self.let_go_of_raw()

    cdef int let_go_of_raw(self) except -1:
        # 'close' is the raw socket's last event: it need not hold this
        # socket any more (its sink and listeners did), so that the pair is
        # no reference cycle and is freed without the GC.
        cdef Stream stream = self.raw_stream
        cdef EventEmitter events = <EventEmitter>self._raw
        for event in RAW_EVENTS:
            events._remove(event, getattr(self, '_on_raw_' + event))
        if stream is None:
            current_loop().call_soon_tick(self)     # (a JSStreamSocket)
            return 0
        stream.drop_sink(self)
        stream._remove('connect', self._on_raw_connect)
        stream.loop.call_soon_tick(self)
        return 0

    cdef int on_tick(self) except -1:
        # A tick after 'close': when this socket's own listeners (a
        # closure over it) are all that holds it, besides the tick queue's
        # one reference, nothing can reach it: they are dropped, which
        # frees it as the cyclic GC would have later (as Stream.on_released).
        if held_by_own_listeners_alone(self, NULL, 1):
            self._drop_listeners()
        return 0

    def _release_if_unreachable(self):
        """on_tick()'s test again, a tick from now: for a holder that lets
        go of this socket after its 'close' (an async iteration's
        generator, suspended until then)."""
        current_loop().call_soon_tick(self)

    # The raw socket's events this socket repeats, without Python frames
    # ('drain' comes once per burst of writes under backpressure).
    def _on_raw_drain(self):
        # The raw socket's, for the writes that went straight to it; the
        # write state's own come from the stream core.
        if not self._writableState.needDrain:
            self._emit('drain', ())

    def _on_raw_finish(self):
        # Our FIN left: _final() is done, and the stream core's 'finish'
        # follows on the next tick, end()'s callbacks first.
        callback, self.final_callback = self.final_callback, None
        if callback is not None:
            callback()

    def _on_raw_timeout(self):
        self._emit('timeout', ())
