"""TLSSocket's methods that are one OpenSSL call each on the connection's
SSL* (reached as tls/openssl.pyx explains): the Finished messages, the
ticket, the key exchange's key, the shared signature algorithms, RFC
5705 keying material, the send fragment size, refusing renegotiation;
and the certificates as X509Certificate objects.

Where OpenSSL cannot be reached from this Python (no proven SSL*, see
tls/_verification.py's verify_result_readable), each raises
ERR_FEATURE_UNAVAILABLE_ON_PLATFORM."""
import ssl

from .. import _uv, errors
from .._internal import validate as validate
from .._internal.records import Record
from ._context import ERR_FEATURE_UNAVAILABLE_ON_PLATFORM
from ._verification import verify_result_readable
from ._x509 import X509Certificate, peer_certificates


class ERR_TLS_INVALID_STATE(errors.NodeError, Exception):
    """A call that needs a finished handshake came before it."""
    _template = 'TLS socket connection must be securely established'


class ERR_TLS_SNI_FROM_SERVER(errors.NodeError, Exception):
    """setServername() on a server's socket."""
    _template = 'Cannot issue SNI from a TLS server-side socket'


class ERR_INVALID_STATE(errors.NodeError, Exception):
    """``(what)``: a call that comes too late (Node 20 aborts the process
    where pyuvnet raises this)."""
    _template = 'Invalid state: %s'


# Node's bounds for setMaxSendFragment (OpenSSL's: 512 to 16384).
_MIN_FRAGMENT, _MAX_FRAGMENT = 512, 16384


def require_openssl(method):
    """Raise ERR_FEATURE_UNAVAILABLE_ON_PLATFORM for ``method`` where this
    Python gives no proven SSL*."""
    if not verify_result_readable():
        raise ERR_FEATURE_UNAVAILABLE_ON_PLATFORM(method)


def require_sessions(method):
    """Raise ERR_FEATURE_UNAVAILABLE_ON_PLATFORM for ``method`` where the
    session functions (uv/tls/sessions.pyx) cannot be reached."""
    require_openssl(method)
    if not _uv.tls_sessions_available():
        raise ERR_FEATURE_UNAVAILABLE_ON_PLATFORM(method)


class OpenSSLQueries:
    """Mixed into TLSSocket, whose ``_ssl`` (the ssl.SSLObject, None once
    destroyed) and ``_secure`` (handshake done) these read."""

    def getFinished(self):
        """The latest Finished message this end sent, as bytes (12 bytes
        under TLS 1.2, the hash size under 1.3); None before the handshake
        sent one and once destroyed."""
        return self._finished('getFinished', False)

    def getPeerFinished(self):
        """The latest Finished message the peer sent, as bytes; None before
        one came and once destroyed."""
        return self._finished('getPeerFinished', True)

    def _finished(self, method, peer):
        require_openssl(method)
        if self._ssl is None:
            return None
        return _uv.tls_finished(self._ssl, peer)

    def getTLSTicket(self):
        """The session ticket the server gave this client (bytes), or None
        (a server's socket, before a ticket came, once destroyed)."""
        require_openssl('getTLSTicket')
        if self._ssl is None or self._is_server:
            return None
        return _uv.tls_ticket(self._ssl)

    def getEphemeralKeyInfo(self):
        """Client: the peer's key-exchange key as Node's Record(type, name,
        size), e.g. Record(type='ECDH', name='X25519', size=253) or
        Record(type='DH', size=2048); an empty Record before the handshake
        (or for a key of another kind).  None on a server's socket and once
        destroyed, as Node 20."""
        require_openssl('getEphemeralKeyInfo')
        if self._ssl is None or self._is_server:
            return None
        key = _uv.tls_ephemeral_key(self._ssl) if self._secure else None
        if key is None:
            return Record()
        kind, name, size = key
        return Record(type=kind, size=size) if name is None else Record(type=kind, name=name, size=size)

    def getSharedSigalgs(self):
        """The signature algorithms both ends support, most preferred
        first, as Node names them ('ECDSA+SHA256', 'RSA-PSS+SHA256',
        'Ed25519+UNDEF', ...): a server's socket lists them, a client's
        only when the server asked for its certificate; [] before the
        handshake and once destroyed."""
        require_openssl('getSharedSigalgs')
        if self._ssl is None:
            return []
        return _uv.tls_shared_sigalgs(self._ssl)

    def exportKeyingMaterial(self, length, label, context=None):
        """``length`` bytes of keying material (RFC 5705, OpenSSL's
        SSL_export_keying_material) for ``label`` (str, sent as UTF-8) and
        ``context`` (bytes-like; None: no context, which differs from an
        empty one).  Both ends of a connection get the same bytes.

        Raises, as Node 20: ERR_INVALID_ARG_TYPE for a ``length`` that is
        not a number, a ``label`` not a str, a ``context`` not bytes-like;
        ERR_OUT_OF_RANGE for a ``length`` not an integer in 1..2**32-1;
        ERR_TLS_INVALID_STATE before the handshake is done and once
        destroyed (Node 20 then fails with an uncoded TypeError)."""
        validate.validate_uint32(length, 'length', positive=True)
        validate.validate_string(label, 'label')
        if context is not None and not isinstance(context, (bytes, bytearray, memoryview)):
            raise errors.ERR_INVALID_ARG_TYPE('context', ['Buffer', 'TypedArray', 'DataView'], context)
        require_openssl('exportKeyingMaterial')
        if self._ssl is None or not self._secure:
            raise ERR_TLS_INVALID_STATE()
        material = _uv.tls_export_keying_material(
            self._ssl, length, label.encode('utf-8', 'surrogatepass'),
            None if context is None else bytes(context))
        if material is None:
            raise ssl.SSLError('SSL_export_keying_material failed')
        return material

    def setMaxSendFragment(self, size):
        """Cap this end's TLS records at ``size`` bytes of plaintext:
        True when set; False for a size outside 512..16384 and once
        destroyed.  Raises ERR_INVALID_ARG_TYPE for a non-number and
        ERR_OUT_OF_RANGE for a non-integer (NaN too) or one outside
        the 32-bit range, as Node 20."""
        size = validate.validate_int32(size, 'size')
        require_openssl('setMaxSendFragment')
        if self._ssl is None or not _MIN_FRAGMENT <= size <= _MAX_FRAGMENT:
            return False
        return _uv.tls_set_max_send_fragment(self._ssl, int(size))

    def disableRenegotiation(self):
        """Refuse any renegotiation the peer asks for from now on (OpenSSL's
        SSL_OP_NO_RENEGOTIATION on this connection; TLS 1.3 has none).
        Returns None, as Node."""
        require_openssl('disableRenegotiation')
        if self._ssl is not None:
            _uv.tls_add_options(self._ssl, ssl.OP_NO_RENEGOTIATION)

    def getX509Certificate(self):
        """This end's certificate as an X509Certificate (no
        issuerCertificate); None when it presents none and once destroyed."""
        if self._ssl is None:
            return None
        der = self._own_der()
        return X509Certificate(der) if der else None

    def getPeerX509Certificate(self):
        """The peer's certificate as an X509Certificate, the same object at
        each call; its issuerCertificate is the next certificate the peer
        sent (None when it sent its leaf alone, as Node 20).  None before
        the handshake, when the peer sent none, and once destroyed."""
        if self._ssl is None or not self._secure:
            return None
        certificate = getattr(self, '_peer_x509', None)
        if certificate is None:
            leaf = self._ssl.getpeercert(True)
            if not leaf:
                return None
            sent = _uv.tls_sent_chain(self._ssl) or []
            if sent[:1] == [leaf]:
                sent = sent[1:]     # a client's list starts with the leaf
            certificate = self._peer_x509 = peer_certificates([leaf] + sent)
        return certificate
