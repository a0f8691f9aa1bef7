"""Node's ``crypto.X509Certificate`` (pyuvnet has no crypto module: it is
``pyuvnet.tls.X509Certificate``, which TLSSocket's getX509Certificate()
and getPeerX509Certificate() return).

A certificate parsed by OpenSSL (the libcrypto CPython's _ssl loaded;
uv/tls/openssl_x509.pyx): the names Node prints, the host/IP/email checks with
Node's flags, issuer and signature checks.  Where this Python gives no
OpenSSL functions, constructing one raises
ERR_FEATURE_UNAVAILABLE_ON_PLATFORM."""
import datetime
import ssl

from .. import _uv, errors
from .._internal import validate as validate
from .._internal.aliases import twins
from ._certificates import certificate_record
from ._context import ERR_FEATURE_UNAVAILABLE_ON_PLATFORM, openssl_error
from ._der import public_key_type

__all__ = ['X509Certificate', 'PublicKey']


class _InvalidValue(errors.ERR_INVALID_ARG_VALUE):
    """ERR_INVALID_ARG_VALUE with Node's bare message ('Invalid IP')."""

    def __init__(self, message):
        errors.NodeError.__init__(self, message)


_SUBJECT_FLAGS = {'default': 0, 'always': 0x1, 'never': 0x20}     # X509_CHECK_FLAG_*
# (option, Node's default, the flag it sets when not the default).
_WILDCARD_FLAGS = (('wildcards', True, 0x2), ('partialWildcards', True, 0x4),
                   ('multiLabelWildcards', False, 0x8), ('singleLabelSubdomains', False, 0x10))


def _check_flags(options):
    """OpenSSL's X509_CHECK_FLAG_* for Node's checkHost/checkEmail options,
    validated as Node 20 does."""
    if options is None:
        options = {}
    validate.validate_object(options, 'options')
    subject = options.get('subject', 'default')
    validate.validate_string(subject, 'options.subject')
    flags = 0
    for name, default, flag in _WILDCARD_FLAGS:
        if validate.validate_boolean(options.get(name, default), 'options.' + name) != default:
            flags |= flag
    if subject not in _SUBJECT_FLAGS:
        raise errors.ERR_INVALID_ARG_VALUE('options.subject', subject)
    return flags | _SUBJECT_FLAGS[subject]


def _parse_error(message):
    """Node's error for OpenSSL's 'error:0480006C:PEM routines::no start
    line': ERR_OSSL_PEM_NO_START_LINE."""
    parts = message.split(':')
    if len(parts) < 5:
        return openssl_error('X509', 'UNKNOWN', message or 'not a certificate')
    library = parts[2].split()[0].upper()
    return openssl_error(library, parts[-1].upper().replace(' ', '_'), message)


@twins('asymmetricKeyType')
class PublicKey:
    """A certificate's public key, standing in for Node's public KeyObject:
    ``type`` ('public'), ``asymmetricKeyType`` ('rsa', 'ec', 'ed25519',
    ...; None for a kind this reader does not name), ``export()``."""

    type = 'public'
    """Node's KeyObject type: always ``'public'``."""

    def __init__(self, spki):
        """``spki``: the DER SubjectPublicKeyInfo."""
        self._spki = bytes(spki)

    @property
    def asymmetricKeyType(self):
        """'rsa', 'ec', 'ed25519', ...; None for a kind not named here."""
        return public_key_type(self._spki)

    def export(self, options=None):
        """Node's ``export({'type': 'spki', 'format': 'pem'|'der'})``: the
        PEM text (str) or the DER bytes.  Raises ERR_INVALID_ARG_VALUE for
        another type or format."""
        options = validate.validate_object({} if options is None else options, 'options')
        if options.get('type', 'spki') != 'spki':
            raise errors.ERR_INVALID_ARG_VALUE('options.type', options.get('type'))
        form = options.get('format', 'pem')
        if form == 'der':
            return self._spki
        if form != 'pem':
            raise errors.ERR_INVALID_ARG_VALUE('options.format', form)
        text = ssl.DER_cert_to_PEM_cert(self._spki)
        return text.replace('CERTIFICATE', 'PUBLIC KEY')

    def equals(self, other):
        """Whether ``other`` is the same key."""
        return isinstance(other, PublicKey) and other._spki == self._spki

    def __repr__(self):
        return 'PublicKey(%r)' % (self.asymmetricKeyType,)


@twins('subjectAltName', 'infoAccess', 'validFrom', 'validTo', 'validFromDate', 'validToDate',
       'serialNumber', 'keyUsage', 'publicKey', 'issuerCertificate', 'toString', 'toJSON',
       'toLegacyObject', 'checkHost', 'checkIP', 'checkEmail', 'checkIssued', 'checkPrivateKey')
class X509Certificate:
    """Node's ``crypto.X509Certificate``: ``X509Certificate(buffer)`` from a
    PEM certificate (str or bytes; the first one) or DER bytes.

    Raises ERR_INVALID_ARG_TYPE for another type, and Node's OpenSSL error
    for what is no certificate (ERR_OSSL_PEM_NO_START_LINE for text that
    is neither, ERR_OSSL_ASN1_* for a broken PEM body)."""

    def __init__(self, buffer):
        """Parse ``buffer``: PEM text (str or bytes; its first certificate)
        or DER bytes."""
        if isinstance(buffer, str):
            data = buffer.encode('utf-8')
        elif isinstance(buffer, (bytes, bytearray, memoryview)):
            data = bytes(buffer)
        else:
            raise errors.ERR_INVALID_ARG_TYPE(
                'buffer', ['string', 'Buffer', 'TypedArray', 'DataView'], buffer)
        if not _uv.x509_available():
            raise ERR_FEATURE_UNAVAILABLE_ON_PLATFORM('X509Certificate')
        handle, error = _uv.x509_parse(data)
        if handle is None:
            raise _parse_error(error)
        self._handle = handle
        self._der = handle.der()
        self._record = None
        self._issuer_certificate = None

    def _legacy(self):
        if self._record is None:
            self._record = certificate_record(self._der)
        return self._record

    @property
    def subject(self):
        """The subject's name, one 'KEY=value' a line ('C=US\\nCN=localhost'),
        escaped as RFC 2253 ('O=Org\\\\, Inc.')."""
        return self._handle.name(False)

    @property
    def issuer(self):
        """The issuer's name, as ``subject``."""
        return self._handle.name(True)

    @property
    def subjectAltName(self):
        """'DNS:localhost, IP Address:127.0.0.1, email:a@b.test', or None."""
        return self._legacy().get('subjectaltname')

    @property
    def infoAccess(self):
        """'OCSP - URI:http://...\\nCA Issuers - URI:http://...' (each access
        method's locations together), or None."""
        access = self._legacy().get('infoAccess')
        if not access:
            return None
        return '\n'.join('%s:%s' % (name, location)
                         for name, locations in access.items() for location in locations)

    @property
    def validFrom(self):
        """'Nov 23 06:14:13 2026 GMT'."""
        return self._legacy()['valid_from']

    @property
    def validTo(self):
        """The end of the validity, as ``validFrom``."""
        return self._legacy()['valid_to']

    @property
    def validFromDate(self):
        """``validFrom`` as an aware UTC datetime (Node 23's Date)."""
        return _utc(self.validFrom)

    @property
    def validToDate(self):
        """``validTo`` as an aware UTC datetime."""
        return _utc(self.validTo)

    @property
    def fingerprint(self):
        """SHA-1 of the DER, 'AB:CD:...'."""
        return self._legacy()['fingerprint']

    @property
    def fingerprint256(self):
        """SHA-256 of the DER, 'AB:CD:...'."""
        return self._legacy()['fingerprint256']

    @property
    def fingerprint512(self):
        """SHA-512 of the DER, 'AB:CD:...'."""
        return self._legacy()['fingerprint512']

    @property
    def serialNumber(self):
        """The serial number in upper-case hex."""
        return self._legacy()['serialNumber']

    @property
    def keyUsage(self):
        """The extended key usage OIDs (['1.3.6.1.5.5.7.3.1', ...]), as
        Node 20 names them; None without the extension."""
        usage = self._legacy().get('ext_key_usage')
        return list(usage) if usage is not None else None

    @property
    def ca(self):
        """Whether this is a CA certificate (basicConstraints CA:TRUE)."""
        return bool(self._legacy().get('ca'))

    @property
    def raw(self):
        """The DER bytes."""
        return self._der

    @property
    def publicKey(self):
        """The public key, a :class:`PublicKey`."""
        return PublicKey(self._handle.public_key())

    @property
    def issuerCertificate(self):
        """The issuer's X509Certificate for a peer's certificate whose
        issuer came in its chain; None otherwise."""
        return self._issuer_certificate

    def toString(self):
        """The PEM text."""
        return ssl.DER_cert_to_PEM_cert(self._der)

    toJSON = __str__ = toString

    def toLegacyObject(self):
        """The object getPeerCertificate() gives, without issuerCertificate."""
        return self._legacy()

    def checkHost(self, name, options=None):
        """The certificate's name that matches host ``name`` (the SAN
        entry, ``'*.example.com'``; case as in the certificate), or None.
        ``options`` as Node: ``subject`` ('default': the CN only without
        DNS names, 'always', 'never'), ``wildcards``, ``partialWildcards``
        (True), ``multiLabelWildcards``, ``singleLabelSubdomains`` (False).
        ERR_INVALID_ARG_VALUE 'Invalid name' for a name OpenSSL refuses."""
        validate.validate_string(name, 'name')
        status, matched = self._handle.check_host(name.encode('utf-8', 'surrogatepass'),
                                                  _check_flags(options))
        if status == -2:
            raise _InvalidValue('Invalid name')
        return matched if status == 1 else None

    def checkIP(self, ip):
        """``ip`` when the certificate names that address, else None.
        ERR_INVALID_ARG_VALUE 'Invalid IP' for what is no address."""
        validate.validate_string(ip, 'ip')
        status = self._handle.check_ip(ip.encode('utf-8', 'surrogatepass'))
        if status == -2:
            raise _InvalidValue('Invalid IP')
        return ip if status == 1 else None

    def checkEmail(self, email, options=None):
        """``email`` when the certificate names it (the domain part without
        regard to case), else None; ``options`` validated as checkHost's,
        only ``subject`` counts."""
        validate.validate_string(email, 'email')
        status = self._handle.check_email(email.encode('utf-8', 'surrogatepass'),
                                          _check_flags(options))
        if status == -2:
            raise _InvalidValue('Invalid name')
        return email if status == 1 else None

    def checkIssued(self, otherCert):
        """Whether ``otherCert`` issued this certificate (names and key
        identifiers; ``verify()`` checks the signature)."""
        if not isinstance(otherCert, X509Certificate):
            raise errors.ERR_INVALID_ARG_TYPE('otherCert', 'X509Certificate', otherCert)
        return otherCert._handle.issued(self._handle)

    def checkPrivateKey(self, privateKey):
        """Whether ``privateKey`` (an unencrypted PEM private key, str or
        bytes: pyuvnet has no KeyObject) is this certificate's key.
        ERR_INVALID_ARG_TYPE for another type, ERR_INVALID_ARG_VALUE for
        text that holds no such key and for a PublicKey."""
        if isinstance(privateKey, str):
            privateKey = privateKey.encode('utf-8')
        if isinstance(privateKey, PublicKey):
            raise errors.ERR_INVALID_ARG_VALUE('pkey', privateKey)     # as Node: a key, of the wrong type
        if not isinstance(privateKey, (bytes, bytearray, memoryview)):
            raise errors.ERR_INVALID_ARG_TYPE('pkey', ['string', 'Buffer'], privateKey)
        matches = self._handle.matches_private_key(bytes(privateKey))
        if matches is None:
            raise errors.ERR_INVALID_ARG_VALUE('pkey', privateKey)
        return matches

    def verify(self, publicKey):
        """Whether this certificate's signature verifies with ``publicKey``
        (a :class:`PublicKey`, e.g. the issuer's ``publicKey``)."""
        if not isinstance(publicKey, PublicKey):
            raise errors.ERR_INVALID_ARG_TYPE('pkey', 'KeyObject', publicKey)
        return bool(self._handle.signed_by(publicKey._spki))

    def __repr__(self):
        return 'X509Certificate(subject=%r)' % (self.subject,)






def _utc(text):
    return datetime.datetime.fromtimestamp(ssl.cert_time_to_seconds(text), datetime.timezone.utc)


def peer_certificates(chain_der):
    """X509Certificates of a peer's chain (leaf first), each one's
    issuerCertificate the next; None for an empty chain."""
    if not chain_der:
        return None
    certificates = [X509Certificate(der) for der in chain_der]
    for certificate, issuer in zip(certificates, certificates[1:]):
        certificate._issuer_certificate = issuer
    return certificates[0]
