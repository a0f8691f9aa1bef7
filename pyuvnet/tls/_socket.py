"""TLSSocket: Node's ``tls.TLSSocket`` over a pyuvnet ``net.Socket``.

Why it is built this way (docs/TLS.md has the long form):

* TLS runs on Python's own ``ssl`` module, an ``ssl.SSLObject`` over two
  ``ssl.MemoryBIO``s, so pyuvnet ships no OpenSSL: ciphertext chunks from
  the raw ``net.Socket`` are written into the incoming BIO, plaintext read
  out of the SSLObject is this socket's 'data'; a write goes through
  ``SSLObject.write`` and whatever the outgoing BIO then holds is written
  to the raw socket, whose C write path gathers it per loop turn.
* A ``TLSSocket`` wraps a connected (or connecting) ``net.Socket`` and is
  the only consumer of its 'data': it owns it.  It is composed, not a
  subclass of ``net.Socket``, because the C ``Stream`` base writes straight
  to its libuv handle; the Duplex surface (write/end/pause/pipe/timeouts,
  addresses) is forwarded to the raw socket.
* The C base class ``_uv.TLSPump`` (pyuvnet/uv/tls/pump.pyx, over its
  own base in pyuvnet/uv/tls/pump_data.pyx) runs a connection's expected
  life: the handshake, 'secure', the per-chunk pump (ciphertext from
  libuv through the SSLObject to 'data', and ``write(bytes)`` back,
  without Python bytecode), end and close; a tls.Server's connections
  are made by its C ``_uv.TLSAcceptor``.  This half holds the options,
  the peer's verification, failures, and the rest of the surface.
* Certificates are verified as Node does: the handshake fails on a bad
  certificate only with rejectUnauthorized (Python's CERT_REQUIRED);
  otherwise the result shows in ``authorized``/``authorizationError``.
  The host name is checked after the handshake by ``checkServerIdentity``
  (Node's, or the user's).

TLSSocket events, in order: 'keylog'(line) during the handshake while
listened to, 'OCSPResponse'(bytes or None) on a client with requestOCSP
(tls/_ocsp.py), 'secureConnect' (client) or 'secure' (server) once the
handshake and the checks passed, 'session'(session) on a client when a
resumable session arrives (tls/_session_events.py), 'data', 'end' (the peer's
close_notify or FIN, after the last 'data'), 'finish', 'timeout',
'error'(err) then 'close'(hadError), exactly once, last.  tls.Server
emits 'connection'(raw socket), 'OCSPRequest'(certificate, issuer,
callback) when listened to and the client asked, then
'secureConnection'(tlsSocket), or 'tlsClientError'(err, tlsSocket) when
the handshake failed.
"""
import errno as _errno
import ssl

from .. import _uv, errors
from .._internal import encodings as encodings
from .._internal.streams._core import writable_cork, writable_end, writable_uncork, writable_write
from .._internal.streams.state import WritableState, error_buffer
from .._internal import validate as validate
from .._internal.aliases import twins
from .._internal.js_stream_socket import JSStreamSocket, is_js_stream
from .._internal.options import normalize_options
from .._internal.records import Record
from ..events import EventEmitter
from .. import Socket
from .._internal.streams.native import NativeDuplex
from ..stream import Readable, Writable
from ._certificates import certificate_record, checkServerIdentity, detailed_certificate_record
from ._context import (
    CONTEXT_RULES, SecureContext, TLSError, ERR_TLS_HANDSHAKE_TIMEOUT,
    tls_error, verify_error_code,
)
from ._verification import own_certificate, peer_chain, verify_result
from ._ocsp import OCSPStapling
from ._socket_sessions import SessionMethods
from ._socket_queries import (
    ERR_INVALID_STATE, ERR_TLS_SNI_FROM_SERVER, OpenSSLQueries, require_openssl,
)
# (CONNECTION_RULES as well: tls/_socket.pyi names it as this module's.)
from ._socket_options import (
    CONNECTION_RULES, TLS_SOCKET_OPTIONS, server_settings, sni_name, wrap_client,
)

# Node's messages for a peer that leaves before the handshake finished.
_CLIENT_HANG_UP = 'Client network socket disconnected before secure TLS connection was established'
_SERVER_HANG_UP = 'socket hang up'


# A TLSSocket's write state is a stream.Writable's (the stream core's,
# Node's net.Socket options: autoDestroy, strings decoded); its C half
# (uv/tls/pump_data.pyx) makes one per socket from this template, and runs
# Node's write() and end() over it.
_uv._set_tls_write_kit(WritableState({}, True).clone, writable_write, writable_end,
                       error_buffer)


@twins('setNoDelay', 'setKeepAlive', 'setTimeout', 'setEncoding', 'bytesRead', 'bytesWritten',
       'remoteAddress', 'remotePort', 'remoteFamily', 'localAddress', 'localPort', 'localFamily',
       'readyState', 'destroySoon', 'bufferSize', 'writableLength', 'writableHighWaterMark',
       'writableNeedDrain', 'readableHighWaterMark', 'writableFinished', 'writableEnded',
       'readableEnded', 'readableLength', 'isPaused', 'readableFlowing', 'writableCorked',
       'setDefaultEncoding', 'readableAborted', 'readableDidRead', 'readableEncoding',
       'readableObjectMode', 'writableObjectMode', 'writableBuffer', 'writableErrored',
       'writableAborted', 'allowHalfOpen', 'alpnProtocol', 'authorizationError',
       'getPeerCertificate', 'getCertificate', 'getProtocol', 'getCipher', 'getSession',
       'isSessionReused', 'exportKeyingMaterial', 'setMaxSendFragment', 'getFinished',
       'getPeerFinished', 'disableRenegotiation', 'getTLSTicket', 'getEphemeralKeyInfo',
       'setServername', 'getSharedSigalgs', 'getX509Certificate', 'getPeerX509Certificate',
       'enableTrace', bases=('EventEmitter',))
class TLSSocket(OpenSSLQueries, OCSPStapling, SessionMethods, _uv.TLSPump, NativeDuplex):
    """Node's ``tls.TLSSocket``: TLS over a ``net.Socket`` (server side
    with ``isServer=True``), a ``stream.Duplex`` whose byte paths are its C
    base's.  See the module docstring for the events."""

    def __init__(self, socket, options=None, **kwargs):
        """Wrap ``socket`` (a connected or connecting ``net.Socket``, which
        this socket then owns, or a ``stream.Duplex`` such as a
        ``duplexPair()`` side, whose write() and 'data' then carry the
        ciphertext); ``options`` as a dict or keywords, in either
        spelling.  A client starts its handshake once connected, a server
        (``isServer=True``) waits for the ClientHello.  Raises
        ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for bad options."""
        opts = normalize_options(options, kwargs, TLS_SOCKET_OPTIONS)
        if not isinstance(socket, Socket):
            socket = self._js_stream_socket(socket)
            # (Node's JSStreamSocket is a net.Socket of default options:
            # allowHalfOpen is False whatever the options say.)
            opts['allowHalfOpen'] = False
        context = opts.get('secureContext')
        if context is None:
            context = SecureContext({k: v for k, v in opts.items() if k in CONTEXT_RULES})
        elif not isinstance(context, SecureContext):
            raise errors.ERR_INVALID_ARG_TYPE('options.secureContext', 'SecureContext', context)
        server = opts.get('server')
        if server is not None and not isinstance(server, EventEmitter):
            # The server's events are emitted for this socket (Node 20
            # fails later, with an uncoded TypeError, on what is not one).
            raise errors.ERR_INVALID_ARG_TYPE('options.server', 'net.Server', server)
        if opts.get('isServer', False):
            # The way a tls.Server's connections are made, with no timeout.
            self._accept(socket, _uv.TLSAcceptor(TLSSocket, server, server_settings(context, opts)))
            return
        self.server = server
        self._allow_half_open = opts.get('allowHalfOpen', False)
        self._reject_unauthorized = opts.get('rejectUnauthorized', True)
        self._check_identity = opts.get('checkServerIdentity', checkServerIdentity)
        # Node checks the server's name against the servername given (a
        # NUL and all); the SNI sent is what OpenSSL can take of it.
        self._identity_name = opts.get('servername') or None
        self._servername = sni_name(self._identity_name)
        self._context = context
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._ssl = wrap_client(context, opts, self._incoming, self._outgoing, self._servername)
        if opts.get('requestOCSP'):      # any truthy value, as Node
            self._request_ocsp()
        self._attach(socket)

    @staticmethod
    def _js_stream_socket(stream):
        """As Node's: a stream with no handle (a ``stream.Duplex``) is
        carried by a JSStreamSocket; anything else is
        ERR_INVALID_ARG_TYPE (Node 20 fails on it with an uncoded
        TypeError)."""
        if not is_js_stream(stream):
            raise errors.ERR_INVALID_ARG_TYPE('socket', ['net.Socket', 'stream.Duplex'], stream)
        return JSStreamSocket(stream)

    # -- the rare events (the expected ones run in TLSPump) ----------------

    def _handshake_failed(self, exc):
        # An SNICallback's cb(err) fails the handshake with err itself.
        error = getattr(self, '_sni_refusal', None) or tls_error(exc)
        held = self._held_write
        if held is not None and getattr(error, 'code', '').startswith('ERR_SSL_'):
            # As Node's: the write waiting for the handshake fails with it,
            # as theirs ('write EPROTO <OpenSSL's text>'), and with it the
            # writes behind it; then it is 'error'.
            error = errors.errno_exception(-_errno.EPROTO, 'write', str(exc))
            self._held_write = None
            _uv.nextTick(held[1], error)
        self._fail_handshake(error)

    def _tls_failure(self, exc):
        self.destroy(tls_error(exc))

    def _hung_up(self):
        error = _hang_up(self._is_server)
        if not self._is_server:
            # Node's client error names where it was going (the options'
            # host and port; path and localAddress when given).
            for name, value in getattr(self, '_connect_target', {}).items():
                if value is not None:
                    setattr(error, name, value)
        self._fail_handshake(error)

    def _on_handshake_timeout(self):
        if not self._secure and not self._destroyed:
            self._fail_handshake(ERR_TLS_HANDSHAKE_TIMEOUT())

    def _refuse_peer(self, error):
        # Node's server drops a refused client without telling it why:
        # its 'tlsClientError' is the hang-up.
        self._fail_handshake(_hang_up(True) if self._is_server else error)

    def _verify_peer(self, sslobj):
        """Set authorized/authorizationError; returns the error that makes
        the peer unauthorized, or None."""
        if self._is_server and not self._request_cert:
            return None
        der = sslobj.getpeercert(True)
        if self._is_server and not der:
            self._authorization_error = 'UNABLE_TO_GET_ISSUER_CERT'
            return TLSError(self._authorization_error, 'peer did not send a certificate')
        error = None
        if sslobj.context.verify_mode == ssl.CERT_NONE:
            code, message = verify_result(sslobj)
            if code != 0:
                error = TLSError(verify_error_code(code), message)
        # else the handshake itself verified the chain
        if error is None and not self._is_server:
            host = self._identity_name or self._raw_host()
            if host:
                error = self._check_identity(host, self.getPeerCertificate())
        if error is None:
            self._authorized = True
            return None
        self._authorization_error = getattr(error, 'code', None) or str(error)
        return error

    def _raw_host(self):
        return getattr(self, '_connect_host', None) or self._raw.remoteAddress

    def _fail_handshake(self, error):
        if self._is_server and self.server is not None:
            # As Node's: the socket is destroyed when 'tlsClientError' comes,
            # except after a handshake timeout (Node leaves it open; we
            # close it just after).
            if isinstance(error, ERR_TLS_HANDSHAKE_TIMEOUT):
                self.server.emit('tlsClientError', error, self)
                self.destroy()
            else:
                self.destroy()
                self.server.emit('tlsClientError', error, self)
        else:
            self.destroy(error)

    def _on_raw_error(self, err):
        if self._is_server and self.server is not None:
            # As Node's tls.Server: before 'secure' an error is the server's
            # 'tlsClientError'; after it, the socket's 'error' when someone
            # listens; a server never dies of one client's reset.
            if not self._secure:
                self.destroy()      # destroyed at the event, as Node's
                self.server.emit('tlsClientError', err, self)
                return
            if not self.listenerCount('error'):
                return
        self.emit('error', err)

    def _log_keys_to_server(self):
        # As Node: a server's sockets log keys when the server listens.
        self.on('keylog', lambda line: self.server.emit('keylog', line, self))

    # -- the Duplex surface ------------------------------------------------

    def _write(self, chunk, encoding, callback):
        # Node's _write(), called by the stream core's write sequences (the
        # bytes write() takes itself once secure never come here).
        if self._ssl is None:
            # No TLS session (never connected): the raw socket reports it
            # as Node does (ERR_SOCKET_CLOSED).
            self._raw.write(b'', callback)
        elif not self._secure:
            self._held_write = (chunk, callback)    # until the handshake is done
        else:
            if chunk:       # (never an empty write: see TLSPumpData.write)
                self._ssl.write(chunk)
            self._write_out(callback)

    def _writev(self, chunks, callback):
        # As Node's writev to its TLS layer: the writes buffered (corked,
        # or behind the one in flight) become one SSL write, one record up
        # to 16 KiB.
        self._write(b''.join(entry['chunk'] for entry in chunks), 'buffer', callback)

    cork = writable_cork
    uncork = writable_uncork
    setDefaultEncoding = Writable.setDefaultEncoding
    writableBuffer = Writable.writableBuffer
    writableCorked = Writable.writableCorked
    writableEnded = Writable.writableEnded
    writableFinished = Writable.writableFinished

    @property
    def writableNeedDrain(self):
        """True after write() returned False, until 'drain': the write
        state's, or the raw socket's for the writes that went straight to
        it."""
        return Writable.writableNeedDrain.__get__(self) or self._raw.writableNeedDrain

    @property
    def readableLength(self):
        """Bytes of plaintext decrypted and waiting for a consumer (while
        paused, or before the first 'data' listener)."""
        state = self._readableState
        return self._read_queued if state is None else state.length

    def isPaused(self):
        """True after pause() until resume() (False before either)."""
        state = self._readableState
        if state is None:
            return self._flowing is False
        return state.paused is True or state.flowing is False

    def setEncoding(self, encoding=None):
        """Deliver 'data' (and read()) as str decoded with ``encoding``
        (Node's names; None: 'utf8'), characters split across chunks kept
        whole."""
        if self._readableState is not None:
            return Readable.setEncoding(self, encoding)
        self._decoder = encodings.decoder(encoding)
        self._readable_encoding = encodings.normalize(encoding)
        return self

    def setTimeout(self, timeout, callback=None):
        """'timeout' after ``timeout`` ms without activity on the raw
        socket (0 disables it); ``callback`` is a once 'timeout' listener.
        The socket stays open."""
        self._raw.setTimeout(timeout)
        if callback is not None:
            self.once('timeout', callback)
        return self

    def setNoDelay(self, noDelay=True):
        """TCP_NODELAY on the raw socket (Nagle's algorithm off when True)."""
        self._raw.setNoDelay(noDelay)
        return self

    def setKeepAlive(self, enable=False, initialDelay=0):
        """TCP keep-alive on the raw socket, the first probe after
        ``initialDelay`` ms of idleness."""
        self._raw.setKeepAlive(enable, initialDelay)
        return self

    def ref(self):
        """Let the raw socket keep run() going (the default)."""
        self._raw.ref()
        return self

    def unref(self):
        """Let run() return while this socket is the only thing left."""
        self._raw.unref()
        return self

    def address(self):
        """The raw socket's local address: Record(port, family, address)."""
        return self._raw.address()

    def destroySoon(self):
        """end(), then destroy() once the queue has left (net.Socket's,
        which Node's TLSSocket inherits; pyuvnet's Socket has it in C, on
        its C state, so this one reads the public properties)."""
        if not self.writableEnded:
            self.end()
        if self.writableFinished:
            self.destroy()
        else:
            self.once('finish', self.destroy)

    def _forward(name):
        return property(lambda self: getattr(self._raw, name),
                        doc='The raw socket\'s %s.' % name)

    remoteAddress = _forward('remoteAddress')
    remotePort = _forward('remotePort')
    remoteFamily = _forward('remoteFamily')
    localAddress = _forward('localAddress')
    localPort = _forward('localPort')
    localFamily = _forward('localFamily')
    bytesRead = _forward('bytesRead')
    bytesWritten = _forward('bytesWritten')

    @property
    def readableHighWaterMark(self):
        """The read side's mark: the raw socket's, until the Readable API
        is taken; then its state's, which a large read(n) raises."""
        state = self._readableState
        return self._raw.readableHighWaterMark if state is None else state.highWaterMark

    writableHighWaterMark = _forward('writableHighWaterMark')
    connecting = _forward('connecting')
    pending = _forward('pending')
    readyState = _forward('readyState')
    timeout = _forward('timeout')
    del _forward

    @property
    def writableLength(self):
        """The plaintext the write state holds (before 'secure', corked, or
        not yet called back) plus the raw socket's buffered bytes (those of
        the writes that went straight to it; over a JSStreamSocket, as
        Node's, the plaintext only)."""
        raw = self._raw
        if type(raw) is JSStreamSocket:
            return self._writableState.length
        return self._writableState.length + raw.writableLength

    @property
    def bufferSize(self):
        """writableLength (net.Socket's older name, which Node's TLSSocket
        inherits)."""
        return self.writableLength

    @property
    def destroyed(self):
        """True once destroy() was called or the raw socket closed."""
        return self._destroyed

    @property
    def readableEnded(self):
        """True once 'end' was emitted."""
        state = self._readableState
        return self._end_emitted if state is None else state.endEmitted

    @property
    def readable(self):
        """Whether 'data' may still come: not destroyed, 'end' not emitted."""
        return not self._destroyed and not self.readableEnded

    @property
    def closed(self):
        """True once destroyed (Node's, set before 'close')."""
        return self._destroyed

    @property
    def errored(self):
        """The error the socket was destroyed with, else None."""
        state = self._readableState
        if state is not None and state.errored is not None:
            return state.errored
        return self._raw.errored

    @property
    def readableAborted(self):
        """True when destroyed or errored before 'end'."""
        return self._destroyed and not self.readableEnded

    @property
    def writable(self):
        """Whether write() is still accepted: not destroyed, end() not called."""
        return not self._destroyed and not self._writableState.ending

    @property
    def readableFlowing(self):
        """None before a consumer, True while flowing, False after pause()."""
        state = self._readableState
        return self._flowing if state is None else state.flowing

    @property
    def allowHalfOpen(self):
        """Whether this socket stays writable after the peer's 'end' (the
        option; False: end() follows 'end')."""
        return self._allow_half_open

    # -- TLS properties ----------------------------------------------------

    encrypted = True

    @property
    def authorized(self):
        """Whether the peer's certificate verified (and named the host)."""
        return self._authorized

    @property
    def authorizationError(self):
        """Why it did not (Node's code string), else None."""
        return self._authorization_error

    @property
    def alpnProtocol(self):
        """The negotiated ALPN protocol, or False (Node's value for none)."""
        chosen = self._ssl.selected_alpn_protocol() if self._ssl is not None else None
        return chosen or False

    @property
    def servername(self):
        """Client: the SNI name sent; server: the one received; else False."""
        return self._servername or False

    def getPeerCertificate(self, detailed=False):
        """The peer's certificate as Node's object (a Record); {} when the
        peer sent none, None once destroyed.  ``detailed``: each record's
        ``issuerCertificate`` is its issuer's, up to the root, which names
        itself; the chain is OpenSSL's (read through ctypes before Python
        3.13; where it cannot be read, the leaf alone)."""
        if self._ssl is None:
            return None
        if detailed:
            return detailed_certificate_record(self._ssl.getpeercert(True), peer_chain(self._ssl))
        if self._peer_cert is None:
            der = self._ssl.getpeercert(True)
            decoded = self._ssl.getpeercert() or None
            self._peer_cert = certificate_record(der, decoded)
        return self._peer_cert

    def getCertificate(self):
        """This end's certificate as Node's object; {} when it has none,
        None once destroyed."""
        if self._ssl is None:
            return None
        return certificate_record(self._own_der())

    def _own_der(self):
        """This end's DER certificate (b'' when it has none): the one
        OpenSSL presents, else the context's."""
        der = own_certificate(self._ssl)
        if der is None:
            pem = self._context.cert_pem
            der = ssl.PEM_cert_to_DER_cert(pem) if pem else b''
        return der

    def getProtocol(self):
        """'TLSv1.3', 'TLSv1.2', ...; None before the handshake or after close."""
        return self._ssl.version() if self._ssl is not None and self._secure else None

    def getCipher(self):
        """Record(name, standardName, version) of the negotiated cipher."""
        if self._ssl is None or not self._secure:
            return None
        name, version, _bits = self._ssl.cipher()
        # OpenSSL's name; for TLS 1.3 suites it is also the IANA name.
        return Record(name=name, standardName=name, version=version)

    def isSessionReused(self):
        """True when the handshake resumed the ``session`` given to connect()."""
        return bool(self._ssl is not None and self._ssl.session_reused)

    def setServername(self, name):
        """Send ``name`` as SNI (a client, before its handshake began; ''
        sends none); ``servername`` then reports it.  The host name the
        certificate is checked against stays the one connect() was given,
        as Node's.  Raises ERR_INVALID_ARG_TYPE for a non-str,
        ERR_TLS_SNI_FROM_SERVER on a server's socket, as Node 20, and
        ERR_INVALID_STATE once the handshake began (Node 20 aborts)."""
        validate.validate_string(name, 'name')
        if self._is_server:
            raise ERR_TLS_SNI_FROM_SERVER()
        require_openssl('setServername')
        servername = sni_name(name)
        if self._ssl is None or not _uv.tls_set_servername(
                self._ssl, (servername or '').encode('ascii')):
            raise ERR_INVALID_STATE('setServername() after the handshake began')
        self._servername = servername

    def __repr__(self):
        return '<pyuvnet.tls.TLSSocket %s %s>' % (
            'server' if self._is_server else 'client', self.getProtocol() or 'handshaking')


def _hang_up(is_server):
    """Node's ECONNRESET for a peer that left during the handshake."""
    return errors.conn_reset_exception(_SERVER_HANG_UP if is_server else _CLIENT_HANG_UP)


