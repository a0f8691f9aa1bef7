"""Secure contexts and TLS errors for ``pyuvnet.tls``.

Everything here runs once per context or once per connection, never per
chunk: building Python ``ssl.SSLContext`` objects from Node's options
(each bad one refused with Node's code), turning OpenSSL's failures into
errors with Node's codes, and OpenSSL's verification result.  The
certificates as Node's objects and ``checkServerIdentity`` are in
tls/_certificates.py.
"""
import json
import re
import ssl
import warnings

from .. import _uv, errors
from .._internal import validate as validate
from .._internal.options import OptionSpec, normalize_options
from ._keys import (
    ERR_CRYPTO_OPERATION_FAILED, ERR_FEATURE_UNAVAILABLE_ON_PLATFORM, LIBRARY_NAMES, TLSError,
    check_certificate, key_entries, load_cert_chain, load_pfx, load_trusted, node_utf8,
    openssl_error, pem_option, pem_text,
)
from ._session_events import KEYLOG

DEFAULT_MIN_VERSION = 'TLSv1.2'
DEFAULT_MAX_VERSION = 'TLSv1.3'

# Node 20's default cipher list (tls.DEFAULT_CIPHERS) and ECDH curve.
DEFAULT_CIPHERS = (
    'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:'
    'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:'
    'ECDHE-ECDSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:'
    'DHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:DHE-RSA-AES256-SHA384:'
    'ECDHE-RSA-AES256-SHA256:DHE-RSA-AES256-SHA256:HIGH:!aNULL:!eNULL:!EXPORT:!DES:!RC4:'
    '!MD5:!PSK:!SRP:!CAMELLIA')
DEFAULT_ECDH_CURVE = 'auto'
# Node's renegotiation limit for a TLS 1.2 server: at most this many of a
# client's renegotiations within this many seconds (tls/_socket_sessions.py).
CLIENT_RENEG_LIMIT = 3
CLIENT_RENEG_WINDOW = 600


# Where tls_setting() reads: this module's defaults until pyuvnet.tls,
# as it is imported, hands over its namespace (read_settings_from), where
# the program sets tls.DEFAULT_* and CLIENT_RENEG_*.
_settings = [globals()]


def read_settings_from(namespace):
    _settings[0] = namespace


def tls_setting(name):
    """One of the tls module's settable values as it is now (Node's
    tls.DEFAULT_* and CLIENT_RENEG_*, read at each use)."""
    return _settings[0][name]


# Node's tls.getCiphers() adds the TLS 1.3 suites to OpenSSL's list
# (OpenSSL's TLS_method lists them apart).
_TLS13_CIPHER_NAMES = ('tls_aes_256_gcm_sha384', 'tls_chacha20_poly1305_sha256',
                       'tls_aes_128_gcm_sha256', 'tls_aes_128_ccm_8_sha256',
                       'tls_aes_128_ccm_sha256')


def supported_ciphers():
    """Node's tls.getCiphers(): the names of the ciphers of OpenSSL's
    default list and the TLS 1.3 suites, lower case, sorted, once each."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_ciphers('DEFAULT')
    return sorted({cipher['name'].lower() for cipher in ctx.get_ciphers()}
                  | set(_TLS13_CIPHER_NAMES))


_VERSIONS = {
    'TLSv1': ssl.TLSVersion.TLSv1, 'TLSv1.1': ssl.TLSVersion.TLSv1_1,
    'TLSv1.2': ssl.TLSVersion.TLSv1_2, 'TLSv1.3': ssl.TLSVersion.TLSv1_3,
}

CONTEXT_RULES = {
    # PEM as str, bytes or a list of them (checked by tls_keys.pem_text).
    'key': 'any', 'cert': 'any', 'ca': 'any',
    'passphrase': 'string', 'pfx': 'any',
    # Any value: Node's error for a version that is not a name is
    # ERR_TLS_INVALID_PROTOCOL_VERSION, whatever its type (_version).
    'minVersion': 'any', 'maxVersion': 'any', 'ciphers': 'string',
    'ecdhCurve': 'string', 'honorCipherOrder': 'boolean', 'sessionTimeout': 'number',
    # Checked as Node checks them (_versions, validate_integer).
    'secureProtocol': 'any', 'secureOptions': 'any',
}

# Node's secureProtocol methods -> the one version they allow (None: every
# version OpenSSL supports).
_METHODS = {prefix + suffix: version
            for prefix, version in (('SSLv23', None), ('TLS', None), ('TLSv1', 'TLSv1'),
                                    ('TLSv1_1', 'TLSv1.1'), ('TLSv1_2', 'TLSv1.2'))
            for suffix in ('_method', '_server_method', '_client_method')}
CONTEXT_OPTIONS = OptionSpec(CONTEXT_RULES)


# ---------------------------------------------------------------------------
# Errors.

class ERR_TLS_HANDSHAKE_TIMEOUT(errors.NodeError, TimeoutError):
    """A handshake took longer than the server's ``handshakeTimeout``."""
    _template = 'TLS handshake timeout'


class ERR_TLS_INVALID_PROTOCOL_VERSION(errors.NodeError, TypeError):
    """``(version, 'minimum' | 'maximum')``; the version written as Node's
    ``%j`` writes it (JSON: ``"TLSv9"``, ``1``, ``true``)."""
    _template = '%s is not a valid %s TLS protocol version'

    def __init__(self, version, which):
        super().__init__(json.dumps(version, ensure_ascii=False, default=repr), which)


class ERR_TLS_INVALID_PROTOCOL_METHOD(errors.NodeError, TypeError):
    """``(message)``: a secureProtocol that is no method Node knows
    ('Unknown method: X'), or an SSLv2/SSLv3 one ('SSLv3 methods disabled')."""
    _template = '%s'


class ERR_TLS_PROTOCOL_VERSION_CONFLICT(errors.NodeError, TypeError):
    """``(version, secureProtocol)``: both a version and a method given."""
    _template = 'TLS protocol version %s conflicts with secureProtocol %s'

    def __init__(self, version, method):
        super().__init__(json.dumps(version, ensure_ascii=False, default=repr),
                         json.dumps(method, ensure_ascii=False, default=repr))


# X509_V_ERR_* numbers -> the code Node gives a certificate that failed.
_VERIFY_CODES = {
    2: 'UNABLE_TO_GET_ISSUER_CERT', 3: 'UNABLE_TO_GET_CRL',
    4: 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 5: 'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
    6: 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 7: 'CERT_SIGNATURE_FAILURE',
    8: 'CRL_SIGNATURE_FAILURE', 9: 'CERT_NOT_YET_VALID', 10: 'CERT_HAS_EXPIRED',
    11: 'CRL_NOT_YET_VALID', 12: 'CRL_HAS_EXPIRED', 13: 'ERROR_IN_CERT_NOT_BEFORE_FIELD',
    14: 'ERROR_IN_CERT_NOT_AFTER_FIELD', 15: 'ERROR_IN_CRL_LAST_UPDATE_FIELD',
    16: 'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 17: 'OUT_OF_MEM',
    18: 'DEPTH_ZERO_SELF_SIGNED_CERT', 19: 'SELF_SIGNED_CERT_IN_CHAIN',
    20: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 21: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    22: 'CERT_CHAIN_TOO_LONG', 23: 'CERT_REVOKED', 24: 'INVALID_CA',
    25: 'PATH_LENGTH_EXCEEDED', 26: 'INVALID_PURPOSE', 27: 'CERT_UNTRUSTED',
    28: 'CERT_REJECTED', 62: 'HOSTNAME_MISMATCH',
}


def verify_error_code(number):
    """Node's name for an X509_V_ERR number (the number itself as text when
    Node has no name for it)."""
    return _VERIFY_CODES.get(number, 'X509_V_ERR_%d' % number)


def tls_error(exc):
    """The Node error for an ``ssl.SSLError`` raised by the handshake or a read."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TLSError(verify_error_code(exc.verify_code), exc.verify_message)
    reason = getattr(exc, 'reason', None)
    if not reason:
        # A reason newer than Python's table (the no_application_protocol
        # alert) is only in the text: '[SSL] tlsv1 alert ... (_ssl.c:1006)'.
        match = _UNNAMED_REASON.match(str(exc))
        reason = match.group(1).upper().replace(' ', '_') if match else None
    if reason:
        return TLSError('ERR_SSL_' + reason, str(exc), reason.lower().replace('_', ' '),
                        LIBRARY_NAMES.get(getattr(exc, 'library', None) or 'SSL'))
    return TLSError('ERR_SSL_UNKNOWN', str(exc))


_UNNAMED_REASON = re.compile(r'\[SSL\] ([a-z0-9 ]+?)(?: \(_ssl\.c:\d+\))?$')


# ---------------------------------------------------------------------------
# Secure contexts.

def _versions(opts):
    """(minimum, maximum) from minVersion/maxVersion and their defaults, or
    from Node's secureProtocol, which conflicts with either."""
    method = opts.get('secureProtocol')
    if method:
        for key in ('minVersion', 'maxVersion'):
            if opts.get(key) is not None:
                raise ERR_TLS_PROTOCOL_VERSION_CONFLICT(opts[key], method)
    if not isinstance(method, str):
        # (Node takes a method only as a string: anything else leaves the defaults.)
        return (_version(opts.get('minVersion', tls_setting('DEFAULT_MIN_VERSION')), 'minimum'),
                _version(opts.get('maxVersion', tls_setting('DEFAULT_MAX_VERSION')), 'maximum'))
    if method not in _METHODS:
        if method.split('_')[0] in ('SSLv2', 'SSLv3'):
            raise ERR_TLS_INVALID_PROTOCOL_METHOD('%s methods disabled' % method[:5])
        raise ERR_TLS_INVALID_PROTOCOL_METHOD('Unknown method: %s' % method)
    version = _METHODS[method]
    if version is None:
        return ssl.TLSVersion.MINIMUM_SUPPORTED, ssl.TLSVersion.MAXIMUM_SUPPORTED
    return _VERSIONS[version], _VERSIONS[version]


def _version(name, which):
    # Node checks the name against its table whatever its type: 1 is
    # ERR_TLS_INVALID_PROTOCOL_VERSION too.
    if not isinstance(name, str) or name not in _VERSIONS:
        raise ERR_TLS_INVALID_PROTOCOL_VERSION(name, which)
    return _VERSIONS[name]


def _no_cipher_match():
    return openssl_error('SSL', 'NO_CIPHER_MATCH', 'error:0A0000B9:SSL routines::no cipher match')


# The TLS 1.3 suites OpenSSL 3 knows (SSL_CTX_set_ciphersuites accepts a
# list when one of its names is known).
_TLS13_SUITES = frozenset(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384',
                           'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256',
                           'TLS_AES_128_CCM_8_SHA256'])
# Node's ecdhCurve takes OpenSSL's group names, NIST's among them; Python's
# set_ecdh_curve takes the short names of the same curves.
_NIST_CURVES = {'P-192': 'prime192v1', 'P-224': 'secp224r1', 'P-256': 'prime256v1',
                'P-384': 'secp384r1', 'P-521': 'secp521r1'}


def _check_ciphers(ciphers):
    """Node's processCiphers and OpenSSL's answer: (the TLS 1.2 list for
    Python's set_ciphers, the TLS 1.3 suites for OpenSSL's
    SSL_CTX_set_ciphersuites), each None for OpenSSL's default.  Raises
    ERR_INVALID_ARG_VALUE for a list of nothing, ERR_SSL_NO_CIPHER_MATCH
    when a part names no cipher, ERR_SSL_INVALID_COMMAND for what is no
    cipher rule."""
    if not ciphers:
        return None, None
    names = ciphers.split(':')
    # The C string OpenSSL reads ends at a NUL.
    legacy = ':'.join(n for n in names if n and not n.startswith('TLS_')).split('\0', 1)[0]
    suites = [n for n in names if n.startswith('TLS_')]
    if not legacy and not suites:
        raise errors.ERR_INVALID_ARG_VALUE('options.ciphers', names)
    if suites and not _TLS13_SUITES.intersection(suites):
        raise _no_cipher_match()
    suites = node_utf8(':'.join(suites)).decode('utf-8').split('\0', 1)[0] or None
    if not legacy:
        return None, suites
    # (No cipher's name is outside ASCII: what is cannot match.)
    legacy = node_utf8(legacy).decode('utf-8')
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).set_ciphers(legacy)
    except ssl.SSLError:
        if not all(_cipher_rule_parses(rule) for rule in _CIPHER_SEPARATORS.split(legacy)
                   if rule):
            # OpenSSL's parser stops at what cannot be a cipher rule.
            raise openssl_error('SSL', 'INVALID_COMMAND',
                                'error:0A000118:SSL routines::invalid command') from None
        if not suites:
            # As Node: an empty TLS 1.2 list is fine beside TLS 1.3 suites.
            raise _no_cipher_match() from None
        return None, suites
    return legacy, suites


# OpenSSL's cipher rules, separated by ':', ' ', ',' or ';': names (with
# '+' joining them) after at most one of '!', '-', '+'.  One rule at a time:
# a pattern for the whole list would backtrack exponentially on a long one.
_CIPHER_SEPARATORS = re.compile(r'[:,; ]+')
_CIPHER_RULE = re.compile(r'[!+-]?([A-Za-z0-9_.=@-]+)(?:\+[A-Za-z0-9_.=@-]+)*')


def _cipher_rule_parses(rule):
    """Whether OpenSSL's parser takes a rule: one that does not start with
    a name is an invalid command; after a name it does not know, OpenSSL
    skips the rest of the rule, after one it knows the rest must parse."""
    match = _CIPHER_RULE.match(rule)
    if match is None:
        return False
    if match.end() == len(rule):
        return True
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).set_ciphers(match.group(1))
    except ssl.SSLError:
        return True
    return False


def _check_ecdh_curve(curve):
    """The groups for ``ecdhCurve`` (one name or a list, OpenSSL's or
    NIST's names), None for 'auto' (OpenSSL's default).  Raises Node's
    ERR_CRYPTO_OPERATION_FAILED when OpenSSL refuses them (Node's
    SSL_CTX_set1_curves_list; where OpenSSL cannot be reached, Python
    checks each name)."""
    if curve is None or curve == 'auto':
        return None
    curve = curve.split('\0', 1)[0]        # the C string OpenSSL reads
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    taken = _uv.tls_set_groups(probe, node_utf8(curve))
    if taken < 0:
        try:
            for name in curve.split(':'):
                probe.set_ecdh_curve(_NIST_CURVES.get(name, name))
            taken = 1
        except (ValueError, UnicodeError):
            taken = 0
    if not taken:
        raise ERR_CRYPTO_OPERATION_FAILED('Failed to set ECDH curve')
    return curve


def _set_groups(ctx, curve):
    """Set ``ecdhCurve`` on a new SSLContext: through OpenSSL (any list);
    where it cannot be reached, a single curve through Python's ssl, a
    list not at all (OpenSSL's default groups: Python sets one curve only)."""
    if _uv.tls_set_groups(ctx, node_utf8(curve)) < 0 and ':' not in curve:
        ctx.set_ecdh_curve(_NIST_CURVES.get(curve, curve))


class SecureContext:
    """Node's SecureContext: the certificates, keys and protocol limits one
    or many connections share.  ``context`` is the ``ssl.SSLContext`` for
    a role, built on first use and reused, as connections are many."""

    def __init__(self, options=None, **kwargs):
        """Check and keep the context options (a dict or keywords, either
        spelling).  Raises at once, as Node: ERR_INVALID_ARG_TYPE /
        ERR_INVALID_ARG_VALUE / ERR_OUT_OF_RANGE, ERR_TLS_INVALID_PROTOCOL_VERSION,
        ERR_SSL_NO_CIPHER_MATCH, ERR_CRYPTO_OPERATION_FAILED for an unknown
        ``ecdhCurve`` or a ``pfx`` item that is no blob, a PKCS12Error for
        a ``pfx`` that does not parse or decrypt ('mac verify failure'),
        and a TLSError with OpenSSL's code as Node names it for a key or
        certificate that does not load (ERR_OSSL_BAD_DECRYPT for an
        encrypted key without its ``passphrase``: nothing ever prompts)."""
        opts = normalize_options(options, kwargs, CONTEXT_OPTIONS)
        self.cert_pem = pem_option(opts, 'cert')
        self.passphrase = opts.get('passphrase')
        keys = key_entries(opts.get('key'), self.passphrase)
        self.key_pem = '\n'.join(pem for pem, _ in keys) if keys else None
        self.ca_pem = pem_option(opts, 'ca')
        self._key_pairs = _key_pairs(opts.get('cert'), self.cert_pem, keys)
        # PKCS#12 blobs, parsed at once (as Node) into what Python loads.
        self.pfx = load_pfx(opts.get('pfx'), self.passphrase)
        self.min_version, self.max_version = _versions(opts)
        self.secure_options = opts.get('secureOptions')
        # tls.Server's default is True (Node: the server's order decides).
        self.honor_cipher_order = opts.get('honorCipherOrder', True)
        if self.secure_options is not None:
            validate.validate_integer(self.secure_options, 'secureOptions')
        self.ciphers, self.cipher_suites = _check_ciphers(
            opts.get('ciphers', tls_setting('DEFAULT_CIPHERS')))
        self.ecdh_curve = _check_ecdh_curve(
            opts.get('ecdhCurve', tls_setting('DEFAULT_ECDH_CURVE')))
        self.session_timeout = opts.get('sessionTimeout')
        if self.session_timeout is not None:
            validate.validate_int32(self.session_timeout, 'options.sessionTimeout', 0)
        self._contexts = {}
        # Fail now, as Node does, on a key or certificate that does not load.
        if self.cert_pem is not None:
            check_certificate(self.cert_pem)
        if (self.cert_pem is not None and self.key_pem is not None) or self.pfx:
            self._new(True, ssl.CERT_NONE, (), None)

    def context(self, server_side, verify_mode, alpn=(), sni_callback=None, session_cache=False):
        """The ``ssl.SSLContext`` for one role and verification mode
        (cached: connections with the same settings share it);
        ``session_cache``: a server's with an external session cache
        ('newSession'/'resumeSession' listeners)."""
        key = (server_side, verify_mode, tuple(alpn), sni_callback, session_cache)
        ctx = self._contexts.get(key)
        if ctx is None:
            ctx = self._contexts[key] = self._new(server_side, verify_mode, alpn, sni_callback)
            if session_cache:
                _uv.tls_external_session_cache(ctx)
        return ctx

    def _new(self, server_side, verify_mode, alpn, sni_callback):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server_side else ssl.PROTOCOL_TLS_CLIENT)
        # Node checks the host name itself (checkServerIdentity) after the
        # handshake, so the user's own check can replace it.
        ctx.check_hostname = False
        ctx.verify_mode = verify_mode
        ctx.minimum_version = self.min_version
        ctx.maximum_version = self.max_version
        if self.secure_options:
            # Node's SSL_CTX_set_options: these bits are added (a negative
            # number as its 64-bit two's complement).
            with warnings.catch_warnings():
                # Python deprecates its OP_NO_TLS* bits; Node takes them.
                warnings.simplefilter('ignore', DeprecationWarning)
                ctx.options |= self.secure_options & 0xFFFFFFFFFFFFFFFF
        if server_side and not self.honor_cipher_order:
            # (Python's SSLContext sets it by default.)
            ctx.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
        if self.ciphers:
            ctx.set_ciphers(self.ciphers)
        if self.cipher_suites:
            # Python's ssl cannot set TLS 1.3 suites: OpenSSL's own call
            # (where OpenSSL cannot be reached, its default suites).
            _uv.tls_set_ciphersuites(ctx, self.cipher_suites.encode('utf-8'))
        if self.ecdh_curve:
            _set_groups(ctx, self.ecdh_curve)
        if self.ca_pem is not None:
            load_trusted(ctx, self.ca_pem)
        elif verify_mode != ssl.CERT_NONE or not server_side:
            ctx.load_default_certs(ssl.Purpose.SERVER_AUTH if not server_side
                                   else ssl.Purpose.CLIENT_AUTH)
        if self.cert_pem is not None and self.key_pem is not None:
            for cert_pem, key_pem, passphrase in self._key_pairs:
                load_cert_chain(ctx, cert_pem, key_pem, passphrase)
        for chain_pem, key_pem, extras_pem in self.pfx:
            # As Node's loadPKCS12: after key/cert, its certificate and key
            # (one per key type: a later one of the same type replaces),
            # its extra certificates sent as the chain and trusted.
            load_cert_chain(ctx, chain_pem, key_pem, None)
            if extras_pem:
                load_trusted(ctx, extras_pem)
        if alpn:
            # The wire format itself: set_alpn_protocols() takes ASCII str
            # only, where Node sends any bytes (UTF-8 for a str).
            wire = b''.join(bytes([len(name)]) + name for name in alpn)
            ctx._set_alpn_protocols(wire)
            if server_side:
                # Node's selection, which refuses a client with no protocol
                # in common (where OpenSSL cannot be reached, Python's,
                # which lets it in without one: docs/TLS.md).
                _uv.tls_set_alpn_select(ctx, wire)
        if sni_callback is not None:
            ctx.sni_callback = sni_callback
        if not server_side:
            # Each new session (each TLS 1.3 ticket) to the connection that
            # got it, for 'session' (tls/_session_events.py).
            _uv.tls_report_client_sessions(ctx)
        return ctx


def _key_pairs(certs, cert_pem, keys):
    """(certificate chain, key, passphrase) triples to load: Node's ``key``
    and ``cert`` arrays of the same length pair up (an ECDSA and an RSA
    certificate, say: OpenSSL keeps each in the slot of its key type and
    serves the one the client's cipher needs); otherwise the one joined
    text of each, or, when the keys have passphrases of their own, each
    key with the certificates."""
    if isinstance(certs, (list, tuple)) and len(certs) == len(keys) > 1:
        return [(pem_text(cert, 'options.cert'), key, passphrase)
                for cert, (key, passphrase) in zip(certs, keys)]
    if len({passphrase for _, passphrase in keys}) > 1:
        return [(cert_pem, key, passphrase) for key, passphrase in keys]
    return [(cert_pem, '\n'.join(key for key, _ in keys), keys[0][1] if keys else None)]


def createSecureContext(options=None, **kwargs):
    """A SecureContext from Node's context options (key, cert, ca,
    passphrase, minVersion, maxVersion, ciphers, ecdhCurve, ...)."""
    return SecureContext(options, **kwargs)


# ---------------------------------------------------------------------------
# Per-connection helpers of TLSSocket.

class ServerNameHook:
    """The server's SNI hook: records the name the client asked for and,
    with an SNICallback, switches to the context it answers.  The callback
    may answer at once or later: when it has not answered by the time it
    returns, the handshake waits at OpenSSL's certificate step (as for
    'OCSPRequest', tls/_ocsp.py) until ``cb`` is called; the handshake
    timeout applies meanwhile.  The answered context keeps the
    connection's ALPN protocols: OpenSSL takes ALPN from whichever context
    is current."""

    def __init__(self, sni_callback, alpn=()):
        self.sni_callback = sni_callback
        self.alpn = tuple(alpn)

    def _key(self):
        return (self.sni_callback, self.alpn)

    def __eq__(self, other):
        return isinstance(other, ServerNameHook) and other._key() == self._key()

    def __hash__(self):
        return hash(self._key())

    def __call__(self, sslobj, server_name, ssl_context):
        owner = getattr(sslobj, 'pyuvnet_owner', None)
        if owner is None or server_name is None:
            return None
        owner._servername = server_name
        if self.sni_callback is None:
            return None
        answer, late = [], []

        def cb(err=None, ctx=None):
            if late:
                owner._answer_sni_later(err, lambda: self._choose(sslobj, owner, ctx, late[0]))
            elif not answer:
                answer.append((err, ctx))
        try:
            self.sni_callback(server_name, cb)
        except Exception as exc:
            # Node: what the callback throws is refused as a cb(err) is.
            answer[:] = [(exc, None)]
        if not answer:
            if not owner._wait_for_sni(sslobj):     # tls/_ocsp.py
                return ssl.ALERT_DESCRIPTION_INTERNAL_ERROR
            late.append(ssl_context.verify_mode)
            return None
        err, ctx = answer[0]
        if err:
            # As Node: the server's 'tlsClientError' is this very error, and
            # the connection is dropped without an alert (the pump sends
            # none when it sees the refusal).
            owner._sni_refusal = err
            return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE
        self._choose(sslobj, owner, ctx, ssl_context.verify_mode)
        return None

    def _choose(self, sslobj, owner, ctx, verify_mode):
        """Switch the connection to the answered SecureContext (None: keep
        the server's)."""
        if ctx is not None:
            sslobj.context = ctx.context(True, verify_mode, self.alpn)
            owner._sni_context_chosen(ctx)      # tls/_ocsp.py
            if owner._keylog:
                # The keys are made after this hook, on the new context.
                KEYLOG.enable(sslobj.context)
