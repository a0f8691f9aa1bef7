"""pyuvnet.tls: Node's ``tls`` module over pyuvnet sockets (docs/TLS.md).

TLS runs on Python's ``ssl`` (an ``SSLObject`` over ``MemoryBIO``s), so
pyuvnet ships no OpenSSL.  ``TLSSocket`` (pyuvnet/tls/_socket.py, where the
design is explained) wraps a ``net.Socket``; this module has Node's
module-level API: ``createServer`` and ``tls.Server``, ``connect``,
``createSecureContext``, ``checkServerIdentity`` and the version defaults.

tls.Server emits 'connection'(raw socket), 'OCSPRequest'(certificate,
issuer, callback) when listened to and the client asked for a status
(tls/_ocsp.py), then 'secureConnection'(tlsSocket), or
'tlsClientError'(err, tlsSocket) when the handshake failed, and
net.Server's events.
"""
import hashlib
import os
import re
import warnings

from .. import _uv, createConnection as _create_connection, errors
from .._internal import validate as validate
from .._internal.aliases import module_twins, snake_name, twins
from .._internal.options import OptionSpec, normalize_options
from .. import Server as _NetServer
from .._internal.listening import SERVER_OPTIONS as _NET_SERVER_OPTIONS
from .. import isIP as _is_ip
from ._certificates import (
    ERR_TLS_CERT_ALTNAME_INVALID, checkServerIdentity, load_root_certificates,
)
from ._context import (
    CONTEXT_RULES, DEFAULT_MAX_VERSION, DEFAULT_MIN_VERSION, SecureContext, TLSError,
    ERR_TLS_HANDSHAKE_TIMEOUT, ERR_FEATURE_UNAVAILABLE_ON_PLATFORM, createSecureContext,
)
from ._context import supported_ciphers
from . import _context as _tls_context
from ._keys import PKCS12Error
from ._secure_pair import ERR_TLS_INVALID_CONTEXT, SecurePair, createSecurePair
from ._socket import TLSSocket
from ._socket_options import CONNECTION_RULES, server_settings
from ._socket_queries import ERR_INVALID_STATE, ERR_TLS_INVALID_STATE, ERR_TLS_SNI_FROM_SERVER
from ._x509 import X509Certificate

__all__ = [
    'TLSSocket', 'Server', 'SecureContext', 'createServer', 'connect', 'createSecureContext',
    'checkServerIdentity', 'DEFAULT_MIN_VERSION', 'DEFAULT_MAX_VERSION', 'TLSError',
    'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_TLS_HANDSHAKE_TIMEOUT', 'ERR_TLS_INVALID_STATE', 'ERR_TLS_REQUIRED_SERVER_NAME',
    'ERR_TLS_SNI_FROM_SERVER', 'ERR_INVALID_STATE', 'PKCS12Error',
    'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', 'getCiphers', 'DEFAULT_CIPHERS', 'DEFAULT_ECDH_CURVE',
    'X509Certificate', 'createSecurePair', 'SecurePair', 'ERR_TLS_INVALID_CONTEXT',
    'CLIENT_RENEG_LIMIT', 'CLIENT_RENEG_WINDOW',
]

#: The ciphers of a context made without ``ciphers``: Node 20's list, in
#: OpenSSL's syntax (its TLS 1.3 suites first).  Settable, as in Node:
#: createSecureContext() reads it at each call.
DEFAULT_CIPHERS = _tls_context.DEFAULT_CIPHERS
#: The ``ecdhCurve`` of a context made without one: ``'auto'`` (OpenSSL's
#: choice).  Settable, as in Node.
DEFAULT_ECDH_CURVE = _tls_context.DEFAULT_ECDH_CURVE
#: How many renegotiations a TLS 1.2 server accepts from a client within
#: CLIENT_RENEG_WINDOW seconds; one more makes the server's TLSSocket emit
#: 'error' (ERR_TLS_SESSION_ATTACK).  Settable, read at each renegotiation,
#: not validated (as Node).
CLIENT_RENEG_LIMIT = _tls_context.CLIENT_RENEG_LIMIT
#: The window of CLIENT_RENEG_LIMIT, in seconds from the previous handshake
#: (Node's 600).  Settable, as CLIENT_RENEG_LIMIT.
CLIENT_RENEG_WINDOW = _tls_context.CLIENT_RENEG_WINDOW


def getCiphers():
    """The names of the TLS ciphers supported, as Node's: OpenSSL's
    default list and the five TLS 1.3 suites, lower case, sorted
    (``['aes128-gcm-sha256', ...]``)."""
    return supported_ciphers()

SERVER_OPTIONS = OptionSpec(dict(_NET_SERVER_OPTIONS.rules, handshakeTimeout='number',
                                 **CONTEXT_RULES, **CONNECTION_RULES))
# connect()'s own options; the rest are net.createConnection()'s, checked there.
_TLS_CONNECT_RULES = dict(CONTEXT_RULES, socket='object', **CONNECTION_RULES)
_TLS_CONNECT_KEYS = frozenset(_TLS_CONNECT_RULES) | frozenset(map(snake_name, _TLS_CONNECT_RULES))
TLS_CONNECT_OPTIONS = OptionSpec(_TLS_CONNECT_RULES)
_DEFAULT_HANDSHAKE_TIMEOUT = 120000


# Node's session ticket keys: a 16-byte name, a 16-byte HMAC secret and a
# 16-byte AES key.
_TICKET_KEYS_SIZE = 48


def _set_ticket_keys(ssl_context, keys):
    """Give a server's SSL_CTX Node's 48-byte ``keys`` in OpenSSL's
    layout (the name, then two secrets of OpenSSL's size, 32 bytes each in
    OpenSSL 1.1.1 and 3, each the SHA-256 of its 16 bytes, cut to size):
    equal keys give equal secrets, so servers sharing them resume each
    other's tickets.  False where OpenSSL cannot be reached."""
    size = _uv.tls_ticket_keys_size(ssl_context)
    if size < 0:
        return False
    half = (size - 16) // 2
    stretched = keys[:16] + b''.join(hashlib.sha256(keys[at:at + 16]).digest()[:half]
                                     for at in (16, 32))
    return _uv.tls_set_ticket_keys(ssl_context, stretched)


class ERR_TLS_REQUIRED_SERVER_NAME(errors.NodeError, Exception):
    """Server.addContext() without a host name."""
    _template = '"servername" is required parameter for Server.addContext'


@twins('setSecureContext', 'addContext', 'getTicketKeys', 'setTicketKeys', row='tls.Server',
       bases=('EventEmitter', 'Server'))
class Server(_NetServer):
    """Node's ``tls.Server``: a ``net.Server`` whose connections are
    wrapped in TLSSockets.  Events: 'connection'(raw socket),
    'secureConnection'(tlsSocket), 'tlsClientError'(err, tlsSocket), and
    net.Server's."""

    def __init__(self, options=None, secureConnectionListener=None, **kwargs):
        """``options``: net.Server's, the context's and the connections'
        keys and ``handshakeTimeout`` (a dict or keywords, either spelling);
        ``secureConnectionListener`` is added to 'secureConnection' (it may
        come first, alone).  Raises for bad options at once, as
        createSecureContext() does; the server does not listen yet."""
        if callable(options) and secureConnectionListener is None:
            options, secureConnectionListener = None, options
        opts = normalize_options(options, kwargs, SERVER_OPTIONS)
        net_options = {k: v for k, v in opts.items() if k in _NET_SERVER_OPTIONS.rules}
        super().__init__(net_options)
        handshake_timeout = validate.validate_number(
            opts['handshakeTimeout'], 'options.handshakeTimeout', 0) \
            if 'handshakeTimeout' in opts else _DEFAULT_HANDSHAKE_TIMEOUT
        self._tls_options = {k: v for k, v in opts.items()
                             if k in CONNECTION_RULES or k in ('allowHalfOpen',)}
        self._tls_options.setdefault('rejectUnauthorized', False if not opts.get('requestCert')
                                     else True)
        self._handshake_timeout = handshake_timeout
        self._context = SecureContext({k: v for k, v in opts.items() if k in CONTEXT_RULES})
        self._named_contexts = []       # addContext's (pattern, SecureContext), oldest first
        self._ticket_keys = os.urandom(_TICKET_KEYS_SIZE)
        # Wraps each connection in a TLSSocket, without a Python frame.
        self._acceptor = _uv.TLSAcceptor(TLSSocket, self, self._settings())
        self.on('connection', self._acceptor)
        if secureConnectionListener is not None:
            self.on('secureConnection', secureConnectionListener)

    def setSecureContext(self, options=None, **kwargs):
        """Use new certificates for connections accepted from now on."""
        self._context = SecureContext(options, **kwargs)
        self._acceptor.settings = self._settings()

    def addContext(self, hostname, context):
        """Serve ``context`` (a SecureContext, or createSecureContext()'s
        options) to clients whose SNI name matches ``hostname``, for
        connections accepted from now on.  As Node's: ``*`` stands for any
        run of characters without a dot (``*.test`` matches ``x.test`` and
        ``.test``, not ``a.b.test``), the match is case-sensitive, and the
        latest added pattern that matches wins.  Used only when the server
        has no SNICallback.  Raises ERR_TLS_REQUIRED_SERVER_NAME for an
        empty or missing ``hostname``."""
        if not hostname:
            raise ERR_TLS_REQUIRED_SERVER_NAME()
        pattern = re.compile('^' + re.sub(r'([.^$+?\-\\\[\]{}])', r'\\\1', hostname)
                             .replace('*', '[^.]*') + '$')
        if not isinstance(context, SecureContext):
            context = createSecureContext(context)
        self._named_contexts.append((pattern, context))
        if len(self._named_contexts) == 1:
            self._acceptor.settings = self._settings()

    def _settings(self):
        options = self._tls_options
        if self._named_contexts and options.get('SNICallback') is None:
            options = dict(options, SNICallback=self._named_context)
        settings = server_settings(self._context, options, self._handshake_timeout,
                                   self._session_cache_listened())
        _set_ticket_keys(settings.ssl_context, self._ticket_keys)
        return settings

    def _session_cache_listened(self):
        return bool(self.listenerCount('newSession') or self.listenerCount('resumeSession'))

    def listen(self, *args, **kwargs):
        """net.Server's listen().  The 'newSession'/'resumeSession'
        listeners present now make the server's external session cache
        (the internal one is then off, as Node's): add them before."""
        if self._session_cache_listened():
            self._acceptor.settings = self._settings()
        return super().listen(*args, **kwargs)

    def getTicketKeys(self):
        """The 48 bytes that encrypt this server's session tickets (random
        unless set): another server given them resumes this one's
        sessions."""
        if _uv.tls_ticket_keys_size(self._acceptor.settings.ssl_context) < 0:
            raise ERR_FEATURE_UNAVAILABLE_ON_PLATFORM('getTicketKeys')
        return self._ticket_keys

    def setTicketKeys(self, keys):
        """Encrypt session tickets with ``keys`` (48 bytes-like) from now
        on.  Raises ERR_INVALID_ARG_TYPE for what is not bytes-like, as
        Node 20, and ERR_INVALID_ARG_VALUE for another length (Node 20:
        ERR_INTERNAL_ASSERTION, 'Session ticket keys must be a 48-byte
        buffer')."""
        if not isinstance(keys, (bytes, bytearray, memoryview)):
            raise errors.ERR_INVALID_ARG_TYPE('buffer', ['Buffer', 'TypedArray', 'DataView'], keys)
        keys = bytes(keys)
        if len(keys) != _TICKET_KEYS_SIZE:
            raise errors.ERR_INVALID_ARG_VALUE('keys', len(keys), 'must be exactly 48 bytes')
        if not _set_ticket_keys(self._acceptor.settings.ssl_context, keys):
            raise ERR_FEATURE_UNAVAILABLE_ON_PLATFORM('setTicketKeys')
        self._ticket_keys = keys

    def _named_context(self, servername, callback):
        """Node's SNICallback of a server without one: addContext's."""
        for pattern, context in reversed(self._named_contexts):
            if pattern.match(servername):
                return callback(None, context)
        return callback(None, None)


def createServer(options=None, secureConnectionListener=None, **kwargs):
    """A new tls.Server; ``secureConnectionListener`` is added to
    'secureConnection'."""
    return Server(options, secureConnectionListener, **kwargs)


def connect(*args, **kwargs):
    """tls.connect(options[, cb]) | (port[, host][, options][, cb]) |
    (path[, options][, cb]):
    a TLSSocket, connecting; ``cb`` runs on 'secureConnect'."""
    args = list(args)
    listener = args.pop() if args and callable(args[-1]) else None
    options = {}
    if args and isinstance(args[-1], dict) and len(args) > 1:
        options = args.pop()
    if args and isinstance(args[0], dict):
        options = args.pop(0)
    merged = dict(options, **kwargs)
    tls_opts = normalize_options({k: v for k, v in merged.items() if k in _TLS_CONNECT_KEYS},
                                 {}, TLS_CONNECT_OPTIONS)
    net_opts = {k: v for k, v in merged.items() if k not in _TLS_CONNECT_KEYS}
    if args and isinstance(args[0], str) and validate.is_pipe_name(args[0]):
        net_opts.setdefault('path', args[0])     # tls.connect(path[, options][, cb])
    elif args:
        net_opts.setdefault('port', args[0])
        if len(args) > 1 and args[1] is not None:
            net_opts.setdefault('host', args[1])
    _warn_ip_servername(tls_opts.get('servername'))
    raw = tls_opts.pop('socket', None)
    # As Node 20: SNI goes out only for an explicit servername; the host is
    # the name the server's certificate is checked against.
    host = net_opts.get('host') or 'localhost'
    if raw is not None:
        tls_socket = TLSSocket(raw, tls_opts)
    else:
        # net.createConnection checks its own options (Node's errors).
        raw = _create_connection(net_opts)
        try:
            tls_socket = TLSSocket(raw, tls_opts)
        except BaseException:
            # A bad TLS option: the connection it would have used goes too,
            # and its own failure (already on its way) with it: the caller
            # has this call's error.
            raw.on('error', _ignore)
            raw.destroy()
            raise
    tls_socket._connect_host = host
    tls_socket._connect_target = {'host': host, 'port': net_opts.get('port'),
                                  'path': net_opts.get('path'),
                                  'localAddress': net_opts.get('localAddress')}
    if listener is not None:
        tls_socket.once('secureConnect', listener)
    return tls_socket


def _ignore(err):
    pass


_ip_servername_warned = []


def _warn_ip_servername(servername):
    """Node's DEP0123, once per process: an IP address as servername (still
    sent, as Node 20 does)."""
    if isinstance(servername, str) and not _ip_servername_warned and _is_ip(servername):
        _ip_servername_warned.append(True)
        warnings.warn('Setting the TLS ServerName to an IP address is not permitted by RFC 6066. '
                      'This will be ignored in a future version.', DeprecationWarning,
                      stacklevel=3)


_root_certificates = None


def __getattr__(name):
    # tls.rootCertificates (and its twin), read from the system's store on
    # first use; a module attribute made lazily cannot go through the table.
    global _root_certificates
    if name in ('rootCertificates', 'root_certificates'):
        if _root_certificates is None:
            _root_certificates = load_root_certificates()
        return _root_certificates
    raise AttributeError("module 'pyuvnet.tls' has no attribute %r" % (name,))


module_twins(globals(), 'tls', ('createServer', 'createSecureContext', 'checkServerIdentity',
                                'getCiphers', 'createSecurePair'), exported=True)

# Node reads the settable values (tls.DEFAULT_*, CLIENT_RENEG_*) where the
# program sets them: here.
_tls_context.read_settings_from(globals())
