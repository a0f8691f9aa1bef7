"""The peer's verification as Node reads it, for ``pyuvnet.tls``: OpenSSL's
verification result, the peer's chain and this end's certificate, read
through the C layer (pyuvnet/uv/tls/openssl.pyx), and the verify mode that
lets a handshake finish whatever the result.

Node completes the client handshake without enforcing verification, then
judges the server by SSL_get_verify_result: rejectUnauthorized decides
whether a bad result is fatal (the socket is destroyed, so Node's server
sees ECONNRESET, not an alert), and authorized/authorizationError report
it.  OpenSSL's result also differs by mode (a lone leaf of an unknown CA
is UNABLE_TO_VERIFY_LEAF_SIGNATURE when verification runs to the end,
UNABLE_TO_GET_ISSUER_CERT_LOCALLY when it stops at the first error), so
matching Node's codes needs Node's way.  Python's ssl does not expose the
result; the C layer (pyuvnet/uv/tls/pump.pyx) reads it through the SSL*
of CPython's _ssl object, with the OpenSSL that _ssl loaded, once it has
proven that pointer (OpenSSL must name _ssl's own object as the SSL's app
data, and the context's SSL_CTX as its context).  Where that proof fails
or OpenSSL cannot be reached (Windows, other interpreters), verification
is enforced by the handshake (CERT_REQUIRED) instead, with a
RuntimeWarning: see verify_result_readable().
"""
import ssl
import sys
import warnings

from .. import _uv

__all__ = ['verify_without_enforcing', 'verify_mode_without_enforcing', 'verify_result_readable',
           'verify_result', 'peer_chain', 'own_certificate']

_SSL_VERIFY_NONE = 0
_SSL_VERIFY_PEER = 1
_SSL_VERIFY_FAIL_IF_NO_PEER_CERT = 2
_readable = None


def verify_without_enforcing(sslobj, request=False, require=False):
    """Make an ``ssl.SSLObject`` verify its peer as Node does: completely,
    without failing the handshake on a bad certificate (call it before the
    handshake).  A server ``request``s the client's certificate, and with
    ``require`` fails the handshake when none comes."""
    _uv.tls_verify_without_enforcing(sslobj, verify_mode_without_enforcing(request, require))


def verify_mode_without_enforcing(request=False, require=False):
    """SSL_set_verify's mode for verify_without_enforcing()."""
    if not request:
        return _SSL_VERIFY_NONE
    return _SSL_VERIFY_PEER | (_SSL_VERIFY_FAIL_IF_NO_PEER_CERT if require else 0)


def verify_result_readable():
    """Whether verify_result() works on this Python: probed once on a
    throwaway SSLObject; False (with a RuntimeWarning, once) means
    Python's CERT_REQUIRED semantics instead of Node's codes."""
    global _readable
    if _readable is None:
        probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())
        _readable = sys.implementation.name == 'cpython' and _uv.tls_ssl_pointer_proven(probe)
        if not _readable:
            warnings.warn('pyuvnet.tls: OpenSSL\'s verification result cannot be read on this '
                          'Python; certificates are enforced by the handshake (CERT_REQUIRED), '
                          'so authorizationError codes may differ from Node\'s',
                          RuntimeWarning, stacklevel=2)
    return _readable


def verify_result(sslobj):
    """(code, message) of OpenSSL's verification of the peer of an
    ``ssl.SSLObject``: code 0 when it verified."""
    return _uv.tls_verify_result(sslobj)


def peer_chain(sslobj):
    """The DER certificates of the peer's chain, leaf first: as OpenSSL
    verified it (up to the trusted root, or as far as it got), else as the
    peer sent it; [] when that cannot be read (the leaf only is known)."""
    if not sslobj.getpeercert(True):
        # No certificate, no chain (and 3.13.0's get_unverified_chain()
        # fails on a server whose client sent none).
        return []
    if hasattr(sslobj, 'get_verified_chain'):       # Python 3.13
        chain = sslobj.get_verified_chain() or sslobj.get_unverified_chain() or []
        return [bytes(der) for der in chain]
    if not verify_result_readable():
        return []
    return _uv.tls_peer_chain(sslobj)


def own_certificate(sslobj):
    """The DER certificate this end presents (the SNI-chosen one on a
    server), or None when OpenSSL cannot be asked."""
    if not verify_result_readable():
        return None
    return _uv.tls_own_certificate(sslobj)
