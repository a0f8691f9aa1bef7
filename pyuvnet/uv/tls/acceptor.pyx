# TLSAcceptor: a tls.Server's 'connection' listener, which makes a
# TLSSocket of each connection and starts its handshake in C (tls/pump.pyx),
# with what the server's connections share worked out once
# (TLSServerSettings).

cdef class TLSServerSettings:
    """What a tls.Server's connections share, worked out once per server
    (and per setSecureContext), not per connection: the ssl.SSLContext for
    their options, SSL_set_verify's mode (-1: Python's own), whether the
    context's SNI hook needs the socket, and the handshake timeout (ms; 0:
    none)."""

    cdef readonly object secure_context
    cdef readonly object ssl_context
    cdef readonly int verify_mode
    cdef readonly bint servername_hooked
    cdef readonly bint request_cert
    cdef readonly bint reject_unauthorized
    cdef readonly bint allow_half_open
    cdef readonly double handshake_timeout
    # Two MemoryBIOs every connection's SSLObject is made over, as _wrap_bio
    # wants, before its SSL takes the pump's BIO; None where that cannot
    # be relied on (a subclass's wrap_bio, no reachable OpenSSL).
    cdef readonly object placeholder_bios

    def __init__(self, secure_context, ssl_context, int verify_mode, bint servername_hooked,
                 bint request_cert, bint reject_unauthorized, bint allow_half_open,
                 double handshake_timeout):
        if SSLError is None:
            bind_ssl()
        if (tls_bio_ready() and ssl_context.sslobject_class is SSLObject
                and type(ssl_context).wrap_bio is SSLCONTEXT_WRAP_BIO
                and proven_ssl_pointer(ssl_context.wrap_bio(MemoryBIO(), MemoryBIO(),
                                                            server_side=True)) != NULL):
            self.placeholder_bios = (MemoryBIO(), MemoryBIO())
        self.secure_context = secure_context
        self.ssl_context = ssl_context
        self.verify_mode = verify_mode
        self.servername_hooked = servername_hooked
        self.request_cert = request_cert
        self.reject_unauthorized = reject_unauthorized
        self.allow_half_open = allow_half_open
        self.handshake_timeout = handshake_timeout


cdef class TLSAcceptor:
    """A tls.Server's 'connection' listener: wraps each raw connection in a
    server-side TLSSocket (``socket_class``) with ``settings``, without a
    Python frame.  setSecureContext replaces the settings; the acceptor
    stays the server's listener."""

    cdef readonly object socket_class
    cdef readonly object server
    cdef public TLSServerSettings settings

    def __init__(self, socket_class, server, TLSServerSettings settings):
        self.socket_class = socket_class
        self.server = server
        self.settings = settings

    def __call__(self, raw):
        """Wrap ``raw``; the TLSSocket (for a caller that reads first bytes
        of its own: the PROXY header, pyuvnet/_internal/proxy_protocol.py)."""
        cdef TLSPump tls_socket = self.socket_class.__new__(self.socket_class)
        if not isinstance(raw, Stream):
            # A stream.Duplex with no handle, emitted by the program: as
            # Node's, carried by a JSStreamSocket (tls/_socket.py).
            raw = self.socket_class._js_stream_socket(raw)
        tls_socket.accept(raw, self)
        if raw.isPaused():
            # pauseOnConnect, as Node: the handshake runs all the same (the
            # raw socket is read once 'connection' was emitted), and the
            # TLSSocket starts paused: its plaintext waits for resume().
            tls_socket._flowing = False
            current_loop().next_tick(raw.resume)
        return tls_socket
