"""Keys and certificates for ``pyuvnet.tls`` contexts: PEM (``key``,
``cert``, ``ca``, ``passphrase``) and PKCS#12 (``pfx``), checked and
loaded into Python ``ssl.SSLContext`` objects, each failure with the error
Node gives; and TLSError / openssl_error, OpenSSL's failures as Node names
them.

Python's ssl loads keys only from files: what is loaded is written to a
private directory (0700, files 0600) and removed at once.  A PKCS#12 blob
is parsed by OpenSSL itself (pyuvnet/uv/tls/pkcs12.pyx, on the libcrypto
CPython's _ssl loaded), then loaded as its certificate, key and extra
certificates, as Node's SecureContext.loadPKCS12 does.
"""
import base64
import os
import shutil
import ssl
import tempfile

from .. import _uv, errors
from .._internal.encodings import node_utf8


class TLSError(errors.NodeError, ConnectionError):
    """A TLS failure with Node's code: ``ERR_SSL_<REASON>`` for OpenSSL's
    errors (``ERR_SSL_WRONG_VERSION_NUMBER``), the X.509 name for a
    certificate that did not verify (``DEPTH_ZERO_SELF_SIGNED_CERT``), or
    ``ECONNRESET`` for a peer that left during the handshake."""

    def __init__(self, code, message, reason=None, library=None):
        """``code`` as above, ``message`` OpenSSL's text, ``reason`` (when
        known) OpenSSL's reason in lower case words, as Node's ``reason``;
        ``library`` (when known) OpenSSL's name of the library that failed
        ('SSL routines'), as Node's ``library``."""
        super().__init__(message)
        self.code = code
        if reason is not None:
            self.reason = reason
        if library is not None:
            self.library = library


def pem_text(value, name):
    """PEM data given as str, bytes, or a list of them, as one str (bytes
    as Latin-1: what is not ASCII cannot be PEM, and OpenSSL says so)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode('latin-1')
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return '\n'.join(pem_text(item, name) for item in value)
    raise errors.ERR_INVALID_ARG_TYPE(name, ['string', 'Buffer', 'TypedArray', 'DataView'], value)


def pem_option(opts, key):
    """An option's PEM text, None when absent or empty (Node's ``if (key)``;
    an empty list sets nothing either)."""
    value = opts.get(key)
    if value is None or (isinstance(value, (str, bytes, bytearray, memoryview, list, tuple))
                         and not len(value)):
        return None
    return pem_text(value, 'options.' + key)


def key_entries(value, passphrase):
    """Node's ``key`` option as [(PEM text, passphrase)], one per key: a
    key alone, or a list whose items are keys or ``{'pem': key,
    'passphrase': ...}`` dicts (an item's own passphrase, else
    ``passphrase``).  Raises Node's ERR_INVALID_ARG_TYPE for an item that
    is no key ('options.key') or a passphrase that is no string
    ('options.passphrase')."""
    if value is None or (isinstance(value, (str, bytes, bytearray, memoryview, list, tuple))
                         and not len(value)):
        return []
    if not isinstance(value, (list, tuple)):
        return [(pem_text(value, 'options.key'), passphrase)]
    entries = []
    for item in value:
        own = passphrase
        if isinstance(item, dict):
            if item.get('passphrase') is not None:
                own = item['passphrase']
            item = item['pem'] if item.get('pem') is not None else item
        if not isinstance(item, (str, bytes, bytearray, memoryview)):
            raise errors.ERR_INVALID_ARG_TYPE('options.key', ['string', 'Buffer', 'TypedArray',
                                                             'DataView'], item)
        if own is not None and not isinstance(own, str):
            raise errors.ERR_INVALID_ARG_TYPE('options.passphrase', 'string', own)
        entries.append((pem_text(item, 'options.key'), own))
    return entries


# OpenSSL's errors as Node names them: ERR_SSL_<REASON> for libssl's,
# ERR_OSSL_<LIB>_<REASON> for the libraries Node knows by name, and
# ERR_OSSL_<REASON> for the others (the providers, the decoders).
_NODE_LIBRARIES = frozenset(
    'SYS BN RSA DH EVP BUF OBJ PEM DSA X509 ASN1 CONF CRYPTO EC BIO PKCS7 X509V3 PKCS12 '
    'RAND DSO ENGINE OCSP UI COMP ECDSA ECDH OSSL_STORE FIPS CMS TS HMAC CT ASYNC KDF SM2 '
    'USER'.split())


def openssl_code(library, reason):
    """Node's code for OpenSSL's (library, REASON)."""
    if library == 'SSL':
        return 'ERR_SSL_' + reason
    if library in _NODE_LIBRARIES:
        return 'ERR_OSSL_%s_%s' % (library, reason)
    return 'ERR_OSSL_' + reason


# OpenSSL 3's libraries: ERR_LIB_* number -> (Python's short name, OpenSSL's
# own name, ERR_lib_error_string's, which Node puts in an error's
# ``library``; `openssl errstr` prints them).
OPENSSL_LIBRARIES = {
    2: ('SYS', 'system library'), 3: ('BN', 'bignum routines'), 4: ('RSA', 'rsa routines'),
    5: ('DH', 'Diffie-Hellman routines'), 6: ('EVP', 'digital envelope routines'),
    7: ('BUF', 'memory buffer routines'), 8: ('OBJ', 'object identifier routines'),
    9: ('PEM', 'PEM routines'), 10: ('DSA', 'dsa routines'),
    11: ('X509', 'x509 certificate routines'), 13: ('ASN1', 'asn1 encoding routines'),
    14: ('CONF', 'configuration file routines'), 15: ('CRYPTO', 'common libcrypto routines'),
    16: ('EC', 'elliptic curve routines'), 20: ('SSL', 'SSL routines'),
    32: ('BIO', 'BIO routines'), 33: ('PKCS7', 'PKCS7 routines'),
    34: ('X509V3', 'X509 V3 routines'), 35: ('PKCS12', 'PKCS12 routines'),
    36: ('RAND', 'random number generator'), 37: ('DSO', 'DSO support routines'),
    38: ('ENGINE', 'engine routines'), 39: ('OCSP', 'OCSP routines'), 40: ('UI', 'UI routines'),
    42: ('ECDSA', 'ECDSA routines'), 43: ('ECDH', 'ECDH routines'),
    44: ('OSSL_STORE', 'STORE routines'), 45: ('FIPS', 'FIPS routines'),
    46: ('CMS', 'CMS routines'), 47: ('TS', 'time stamp routines'), 48: ('HMAC', 'HMAC routines'),
    50: ('CT', 'CT routines'), 51: ('ASYNC', 'ASYNC routines'), 52: ('KDF', 'KDF routines'),
    53: ('SM2', 'SM2 routines'), 54: ('ESS', 'ESS routines'), 56: ('CRMF', 'CRMF routines'),
    57: ('PROV', 'Provider routines'), 58: ('CMP', 'CMP routines'),
    59: ('OSSL_ENCODER', 'ENCODER routines'), 60: ('OSSL_DECODER', 'DECODER routines'),
    61: ('HTTP', 'HTTP routines'),
}
# Python's short library names (exc.library) -> OpenSSL's own.
LIBRARY_NAMES = {short: name for short, name in OPENSSL_LIBRARIES.values()}
LIBRARY_NAMES.update(DECODER='DECODER routines', ENCODER='ENCODER routines')


def openssl_error(library, reason, message):
    """A TLSError with Node's code for OpenSSL's (library, REASON)."""
    return TLSError(openssl_code(library, reason), message, reason.lower().replace('_', ' '),
                    LIBRARY_NAMES.get(library))


# Node's errors for keys and certificates that do not load (what Node 20's
# OpenSSL 3 reports; Python's ssl only says "PEM lib").
def _bad_decrypt():
    return openssl_error('PROV', 'BAD_DECRYPT', 'error:1C800064:Provider routines::bad decrypt')


def _passphrase_too_long():
    return openssl_error('CRYPTO', 'INTERRUPTED_OR_CANCELLED',
                         'error:07880109:common libcrypto routines::interrupted or cancelled')


def _key_unsupported():
    return openssl_error('DECODER', 'UNSUPPORTED', 'error:1E08010C:DECODER routines::unsupported')


def _no_start_line():
    return openssl_error('PEM', 'NO_START_LINE', 'error:0480006C:PEM routines::no start line')


def _bad_base64():
    return openssl_error('PEM', 'BAD_BASE64_DECODE',
                         'error:04800064:PEM routines::bad base64 decode')


class ERR_FEATURE_UNAVAILABLE_ON_PLATFORM(errors.NodeError, TypeError):
    """What Python's ``ssl`` cannot do (docs/TLS.md lists each)."""
    _template = 'The feature %s is unavailable on the current platform, which is being used to run Python'


class ERR_CRYPTO_OPERATION_FAILED(errors.NodeError, RuntimeError):
    """An OpenSSL setting that did not take (``'Failed to set ECDH curve'``)."""


def check_certificate(cert_pem):
    """Raise Node's error for a certificate option that holds no certificate."""
    if not cert_pem.isascii():
        raise _no_start_line()
    try:
        # (cadata as str is PEM; as bytes it would be DER.)
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=cert_pem)
    except (ssl.SSLError, ValueError):
        raise (_bad_base64() if '-----BEGIN CERTIFICATE-----' in cert_pem
               else _no_start_line()) from None


def load_trusted(ctx, ca_pem):
    """Trust the certificates of ``ca``.  As Node, what is not a certificate
    is skipped, never an error: such a ca trusts nothing."""
    for block in ca_pem.split('-----END CERTIFICATE-----'):
        start = block.find('-----BEGIN CERTIFICATE-----')
        if start < 0:
            continue
        try:
            ctx.load_verify_locations(cadata=block[start:] + '-----END CERTIFICATE-----\n')
        except (ssl.SSLError, ValueError, TypeError):
            pass


def load_cert_chain(ctx, cert_pem, key_pem, passphrase):
    """Python's ssl loads certificates and keys only from files: write them
    to a private directory, load, and remove it at once.  The passphrase
    goes through a callback, never None: without one OpenSSL would prompt
    on the terminal.  Without a passphrase the callback answers '', as
    Node's does, so an encrypted key fails to decrypt (a key encrypted with
    the empty passphrase loads, as in Node)."""
    asked = []

    def password():
        asked.append(True)
        return node_utf8(passphrase or '')

    folder = tempfile.mkdtemp(prefix='pyuvnet-tls-')
    try:
        cert_path = os.path.join(folder, 'cert.pem')
        key_path = os.path.join(folder, 'key.pem')
        for path, text in ((cert_path, cert_pem), (key_path, key_pem)):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), 'wb') as f:
                f.write(node_utf8(text))
        try:
            ctx.load_cert_chain(cert_path, key_path, password)
        except ValueError:
            # Python refuses a passphrase longer than OpenSSL's buffer;
            # Node's callback does too (OpenSSL: interrupted or cancelled).
            raise _passphrase_too_long() from None
        except ssl.SSLError as exc:
            if asked:
                raise _bad_decrypt() from None
            if exc.library and exc.reason:
                # The key does not match the certificate, say.
                raise openssl_error(exc.library, exc.reason, str(exc)) from None
            raise _key_unsupported() from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class PKCS12Error(errors.NodeError, ValueError):
    """A ``pfx`` that OpenSSL could not read or decrypt.  The message is
    OpenSSL's reason, as Node's ('mac verify failure' for a wrong
    passphrase, 'not enough data' for what is no PKCS#12).  Node's Error
    has no code; this one has the code OpenSSL's error gets in Node's
    naming (``ERR_OSSL_PKCS12_MAC_VERIFY_FAILURE``,
    ``ERR_OSSL_ASN1_NOT_ENOUGH_DATA``), and ``reason``."""

    def __init__(self, library, reason):
        super().__init__(reason)
        self.reason = reason
        self.code = openssl_code(library, reason.upper().replace(' ', '_'))


def _pfx_blob(raw):
    """A pfx item as bytes (a str as UTF-8, as Node writes it), else
    Node's ERR_CRYPTO_OPERATION_FAILED."""
    if isinstance(raw, (bytes, bytearray, memoryview)):
        return bytes(raw)
    if isinstance(raw, str):
        return node_utf8(raw)
    raise ERR_CRYPTO_OPERATION_FAILED('Unable to load PFX certificate')


def must_be_a_buffer(what, value):
    """Node's ERR_INVALID_ARG_TYPE for a value its C++ wants as a buffer
    ('Session must be a buffer')."""
    error = errors.ERR_INVALID_ARG_TYPE(what, ['string', 'Buffer'], value)
    error.args = ('%s must be a buffer' % what,)
    return error


def _pfx_passphrase(passphrase):
    """A passphrase as the C string OpenSSL reads (up to a NUL), None for
    none; Node's ERR_INVALID_ARG_TYPE for what is no string or buffer."""
    if passphrase is None:
        return None
    if isinstance(passphrase, str):
        passphrase = node_utf8(passphrase)
    elif isinstance(passphrase, (bytes, bytearray, memoryview)):
        passphrase = bytes(passphrase)
    else:
        raise must_be_a_buffer('Pass phrase', passphrase)
    return passphrase.split(b'\0', 1)[0]


def _pem(kind, der):
    body = base64.encodebytes(der).decode('ascii')
    return '-----BEGIN %s-----\n%s-----END %s-----\n' % (kind, body, kind)


def load_pfx(pfx, passphrase):
    """Node's ``pfx`` option: [(certificate chain PEM, key PEM, extra
    certificates PEM)], one per PKCS#12 blob, in order.  ``pfx`` is one
    blob (bytes or str) or a list of blobs and ``{'buf': blob,
    'passphrase': ...}`` dicts (a dict's own passphrase first, else
    ``passphrase``).  Raises at once, as Node: ERR_CRYPTO_OPERATION_FAILED
    for an item that is no blob, PKCS12Error for one OpenSSL cannot read or
    decrypt, ERR_FEATURE_UNAVAILABLE_ON_PLATFORM where OpenSSL cannot be
    reached."""
    if pfx is None or (isinstance(pfx, (str, list, tuple)) and not pfx):
        return []
    items = pfx if isinstance(pfx, (list, tuple)) else [pfx]
    loaded = []
    for item in items:
        own = None
        if isinstance(item, dict):
            own = item.get('passphrase') or None
            item = item.get('buf') or item
        blob = _pfx_blob(item)
        parsed = _uv.tls_pkcs12_parse(blob, _pfx_passphrase(own or passphrase or None))
        if parsed is None:
            raise ERR_FEATURE_UNAVAILABLE_ON_PLATFORM('pfx (OpenSSL cannot be reached)')
        if len(parsed) == 2:
            library, reason = parsed
            raise PKCS12Error(OPENSSL_LIBRARIES.get(library, ('',))[0], reason)
        cert, key, extras = parsed
        extras_pem = ''.join(_pem('CERTIFICATE', der) for der in extras)
        loaded.append((_pem('CERTIFICATE', cert) + extras_pem, _pem('PRIVATE KEY', key), extras_pem))
    return loaded
