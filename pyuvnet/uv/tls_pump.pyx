# TLSPump: the C half of a TLSSocket (pyuvnet/tls_socket.py), the BIO pump
# on the per-chunk path, and the SSL* under Python's ssl objects.
#
# Read path: the TLSSocket's bound ``_on_raw_data`` is the raw Socket's sole
# 'data' listener, so Stream.deliver calls it from C.  Once the handshake
# is done, a chunk goes incoming.write -> SSLSocket.read loop -> 'data' (or
# the readable queue while paused) without Python bytecode: the calls are
# to the C methods of CPython's _ssl objects (``SSLObject._sslobj``, the
# MemoryBIOs), never to ssl.py's wrappers.  The read loop stops when the
# BIO and OpenSSL hold nothing more, so a chunk of whole records raises no
# SSLWantReadError.
#
# Write path: ``write(bytes)`` once secure: SSLSocket.write -> outgoing.read
# -> the raw Stream's write (C), which gathers per loop turn.  Everything
# else (str, callbacks, before 'secure', corked, after end) is the facade's
# _write.
#
# Callbacks into the Python facade (TLSSocket), each on an event, never per
# chunk of an established connection:
#   _pump()             a chunk arrived before the handshake finished
#   _tls_failure(exc)   OpenSSL failed on a read (the socket is destroyed)
#   _emit_end()         the peer's close_notify or FIN, after the last 'data'
#   _write(...)         a write the fast path does not take
# The pump holds the SSLObject, its _ssl object and the BIOs; setting
# ``_ssl = None`` (on 'close') drops them, which frees OpenSSL's state.
# The raw Socket holds the pump through its 'data' listener and the pump
# holds the raw Socket: the cycle ends when the Socket's handle closes
# (Stream releases itself) and the GC collects the pair.
#
# The SSL*: CPython's _ssl does not expose it, so it is read at its place
# in _ssl's object (after the header and the socket weakref, 3.7-3.14) and
# used only once proven: OpenSSL must say that this SSL's app data (which
# _ssl sets to its own object) is that very object, and that its SSL_CTX is
# the one read from the context object.  A wrong layout fails the proof;
# callers then fall back (tls_context.verify_result_readable()).

cdef extern from "pyuvnet_openssl.h":
    ctypedef int (*pyuvnet_verify_cb)(int, void*)
    ctypedef struct pyuvnet_openssl_t:
        long (*get_verify_result)(const void* ssl)
        const char* (*verify_error_string)(long code)
        void (*set_verify)(void* ssl, int mode, pyuvnet_verify_cb callback)
        void* (*get_ssl_ctx)(const void* ssl)
        void* (*get_ex_data)(const void* ssl, int index)
        void* (*get0_verified_chain)(const void* ssl)
        void* (*get_peer_cert_chain)(const void* ssl)
        void* (*get_certificate)(const void* ssl)
        int (*stack_count)(const void* stack)
        void* (*stack_item)(const void* stack, int index)
        int (*x509_to_der)(const void* x509, unsigned char** out)
    int pyuvnet_openssl_load(const char* ssl_module_path, pyuvnet_openssl_t* f)
    void* pyuvnet_field_after_head(object obj, int index)
    int pyuvnet_accept_all(int preverify_ok, void* x509_store_ctx)

cdef enum:
    # One TLS record carries at most 16 KiB of plaintext, and an SSL read
    # returns one record's: a larger buffer only costs malloc an mmap.
    TLS_READ_SIZE = 16384
    TLS_READ_HWM = 65536        # Node's readableHighWaterMark for sockets

# ssl's exception classes, bound when the first pump is made (importing ssl
# costs milliseconds that programs without TLS should not pay).
cdef object SSLWantReadError = None
cdef object SSLZeroReturnError = None
cdef object SSLError = None

cdef pyuvnet_openssl_t openssl
cdef int openssl_state = 0      # 0: not tried, 1: loaded, -1: unavailable


cdef bint load_openssl():
    global openssl_state
    if openssl_state == 0:
        openssl_state = -1
        try:
            import _ssl
            path = os.fsencode(_ssl.__file__)
        except (ImportError, AttributeError):
            return False        # no _ssl, or one built into the interpreter
        if pyuvnet_openssl_load(path, &openssl) == 0:
            openssl_state = 1
    return openssl_state == 1


cdef void* proven_ssl_pointer(object sslobj) except? NULL:
    """The SSL* under an ``ssl.SSLObject``, or NULL when OpenSSL cannot be
    reached or the pointer fails its proof (see the header)."""
    cdef void* ssl
    cdef void* ctx
    if not load_openssl():
        return NULL
    sslsock = sslobj._sslobj
    context = sslsock.context
    ssl = pyuvnet_field_after_head(sslsock, 1)
    ctx = pyuvnet_field_after_head(context, 0)
    if (ssl == NULL or ctx == NULL or ssl == <void*>sslsock or ssl == <void*>context
            or ssl == <void*>sslobj):
        return NULL     # no pointer, or one of the Python objects around it
    if openssl.get_ex_data(ssl, 0) != <void*>sslsock or openssl.get_ssl_ctx(ssl) != ctx:
        return NULL
    return ssl


cdef void* required_ssl_pointer(object sslobj) except NULL:
    cdef void* ssl = proven_ssl_pointer(sslobj)
    if ssl == NULL:
        raise RuntimeError('pyuvnet: the SSL* under this SSLObject could not be proven; '
                           'check tls_ssl_pointer_proven() first')
    return ssl


def tls_ssl_pointer_proven(sslobj):
    """Whether the OpenSSL calls below work on this ``ssl.SSLObject`` (its
    SSL* was found and proven, see the header)."""
    return proven_ssl_pointer(sslobj) != NULL


def tls_verify_without_enforcing(sslobj, int mode):
    """SSL_set_verify(mode) with a callback that accepts every certificate:
    the chain is verified to the end and the result kept, never enforced."""
    openssl.set_verify(required_ssl_pointer(sslobj), mode, pyuvnet_accept_all)


def tls_verify_result(sslobj):
    """(code, message) of SSL_get_verify_result: 0 when the peer verified."""
    cdef long code = openssl.get_verify_result(required_ssl_pointer(sslobj))
    return code, (<bytes>openssl.verify_error_string(code)).decode('ascii', 'replace')


cdef bytes x509_der(const void* x509):
    """A certificate's DER encoding (i2d_X509 writes it and moves the cursor)."""
    cdef int size = openssl.x509_to_der(x509, NULL)
    cdef unsigned char* cursor
    if size <= 0:
        return b''
    der = PyBytes_FromStringAndSize(NULL, size)
    cursor = <unsigned char*>PyBytes_AS_STRING(der)
    openssl.x509_to_der(x509, &cursor)
    return der


cdef list stack_der(const void* stack):
    if stack == NULL:
        return []
    return [x509_der(openssl.stack_item(stack, index)) for index in range(openssl.stack_count(stack))]


def tls_peer_chain(sslobj):
    """The DER certificates of the peer's chain, leaf first: as OpenSSL
    verified it, else (a resumed session has no verified chain) as the peer
    sent it."""
    cdef void* ssl = required_ssl_pointer(sslobj)
    return stack_der(openssl.get0_verified_chain(ssl)) or stack_der(openssl.get_peer_cert_chain(ssl))


def tls_own_certificate(sslobj):
    """The DER certificate this end presents, b'' when it has none."""
    cdef void* x509 = openssl.get_certificate(required_ssl_pointer(sslobj))
    return x509_der(x509) if x509 != NULL else b''


cdef class TLSPump(EventEmitter):
    """The BIO pump of a TLSSocket (its base class); the attributes are the
    facade's state, shared with its Python half."""

    cdef object sslobj              # ssl.SSLObject (its Python API: handshake, certs)
    cdef object c_ssl               # sslobj._sslobj: the C methods the pump calls
    cdef public object _raw         # the net.Socket carrying the ciphertext
    cdef public object _incoming    # MemoryBIO: ciphertext in
    cdef public object _outgoing    # MemoryBIO: ciphertext out
    cdef public object _flowing     # None (no consumer yet), False, True: as a Readable
    cdef public object _decoder
    cdef public list _read_queue    # plaintext waiting for a consumer
    cdef public Py_ssize_t _read_queued
    cdef public bint _secure        # handshake done and the peer accepted
    cdef public bint _destroyed
    cdef public bint _peer_closed   # close_notify received
    cdef public bint _raw_ended     # the raw socket's 'end' (FIN)
    cdef public bint _end_emitted
    cdef public bint _ended         # our end() was called
    cdef public int _corked         # cork() depth: writes wait in the facade
    cdef public object _pending_end  # end()'s arguments while handshaking
    cdef public object _session_watch   # a tls_session.SessionWatch while 'session' has a listener

    def __cinit__(self, *args, **kwargs):
        global SSLWantReadError, SSLZeroReturnError, SSLError
        if SSLError is None:
            import ssl
            SSLWantReadError = ssl.SSLWantReadError
            SSLZeroReturnError = ssl.SSLZeroReturnError
            SSLError = ssl.SSLError
        self._read_queue = []

    @property
    def _ssl(self):
        """The ssl.SSLObject, None once closed."""
        return self.sslobj

    @_ssl.setter
    def _ssl(self, sslobj):
        self.sslobj = sslobj
        self.c_ssl = None if sslobj is None else sslobj._sslobj

    def _on_raw_data(self, chunk):
        """The raw socket's 'data' listener: ciphertext in, plaintext out."""
        if self._destroyed:
            return          # nothing is emitted after destroy()
        self._incoming.write(chunk)
        if self._secure:
            self.read_plaintext()
        else:
            self._pump()

    # The raw socket's events this socket repeats, without Python frames
    # ('drain' comes once per burst of writes under backpressure).
    def _on_raw_drain(self):
        self._emit('drain', ())

    def _on_raw_finish(self):
        self._emit('finish', ())

    def _on_raw_timeout(self):
        self._emit('timeout', ())

    def _read_plaintext(self):
        """Plaintext out of OpenSSL: to 'data' while flowing, else into the
        readable queue (Node's readable buffer) up to the high-water mark,
        then the raw socket is paused.  'end' follows the last byte."""
        self.read_plaintext()

    cdef int read_plaintext(self) except -1:
        cdef object data
        if self.c_ssl is None or not self._secure:
            return 0        # before 'secure' only the handshake may read
        while not self._destroyed and not self._peer_closed:
            if self._flowing is not True and self._read_queued >= TLS_READ_HWM:
                self._raw.pause()
                break
            try:
                data = self.c_ssl.read(TLS_READ_SIZE)
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
            if self.c_ssl is None or (not self._incoming.pending and not self.c_ssl.pending()):
                break       # all consumed: no SSLWantReadError to raise and catch
        if self._destroyed:
            return 0
        if self._session_watch is not None:
            self._emit_new_session()    # TLS 1.3 tickets come with the data
        # TLS 1.3 answers (key updates) may wait in the outgoing BIO.
        self.flush_out(None)
        # As net.Socket: paused, 'end' waits for resume() like the data.
        if ((self._peer_closed or self._raw_ended) and not self._read_queue
                and self._flowing is not False and not self._end_emitted):
            self._emit_end()
        return 0

    def _deliver(self, data):
        self.deliver(data)

    cdef int deliver(self, object data) except -1:
        if self._decoder is not None:
            data = self._decoder(data)
        self._emit('data', (data,))
        return 0

    def _flush_out(self, callback=None):
        """Write what the outgoing BIO holds to the raw socket; returns the
        raw write()'s answer."""
        return self.flush_out(callback)

    cdef object flush_out(self, object callback):
        if self._outgoing.pending or callback is not None:
            return self._raw.write(self._outgoing.read(), callback)
        return self._raw.writableLength < self._raw.writableHighWaterMark

    def write(self, data, encoding=None, callback=None):
        """Encrypt and send ``data``; returns False once the raw socket's
        buffer reaches its highWaterMark ('drain' follows).  Writes before
        the handshake finished wait for it."""
        if (type(data) is bytes and encoding is None and callback is None and self._secure
                and not self._ended and not self._destroyed and self._pending_end is None
                and self._corked == 0 and self.c_ssl is not None):
            self.c_ssl.write(data)
            return self.flush_out(None)
        return self._write(data, encoding, callback)
