"""OCSP stapling, as Node's tls does it (the C side is uv/tls/ocsp.pyx and
pyuvnet_ocsp.h).

Client: ``requestOCSP: True`` asks the server for its certificate status;
once the handshake is done, before the server is judged and before
'secureConnect', the socket emits 'OCSPResponse'(response): the bytes the
server stapled, or None when it stapled nothing.

Server: when its tls.Server listens for 'OCSPRequest' as a connection
arrives and the client asks for a status, the handshake waits while the
server emits 'OCSPRequest'(certificate, issuer, callback): this server's
DER certificate, its issuer's DER when the context holds it (in ``ca`` or
after the leaf in ``cert``), else None.  ``callback(err, response)``,
now or later, goes on: bytes are stapled, None or b'' staples nothing;
an error fails the handshake (the server emits 'tlsClientError' with that
very error, the client sees ECONNRESET).

The same suspended certificate step serves an SNICallback that answers
later (tls/_context.py's ServerNameHook): the SNI answer comes first, then
'OCSPRequest' for the chosen context's certificate.

Where OpenSSL cannot be reached from this Python (see
tls/_verification.py's verify_result_readable), ``requestOCSP`` raises
ERR_FEATURE_UNAVAILABLE_ON_PLATFORM and 'OCSPRequest' is never emitted."""
import ssl

from .. import _uv, errors
from ._context import ERR_FEATURE_UNAVAILABLE_ON_PLATFORM
from ._x509 import X509Certificate


class _ResponseNotBytes(errors.ERR_INVALID_ARG_TYPE):
    """Node's ERR_INVALID_ARG_TYPE for an answer that is not bytes."""

    def __init__(self):
        errors.NodeError.__init__(self, 'OCSP response must be a buffer')


def issuer_der(context, leaf_der):
    """The DER of the certificate in ``context`` (a SecureContext: its
    ``cert`` chain, then its ``ca``) that issued ``leaf_der``; None."""
    if not leaf_der:
        return None
    pems = ''.join(text for text in (context.cert_pem, context.ca_pem) if text)
    leaf = X509Certificate(leaf_der)
    for block in pems.split('-----END CERTIFICATE-----')[:-1]:
        start = block.find('-----BEGIN CERTIFICATE-----')
        if start < 0:
            continue
        candidate = X509Certificate(ssl.PEM_cert_to_DER_cert(
            block[start:] + '-----END CERTIFICATE-----\n'))
        if candidate.raw != leaf.raw and leaf.checkIssued(candidate):
            return candidate.raw
    return None


class OCSPStapling:
    """Mixed into TLSSocket: the OCSP steps TLSPump calls (the client's
    request, the server's suspended handshake) and their events."""

    def _request_ocsp(self):
        """Client, before the handshake: ask for a stapled status."""
        if not _uv.tls_ocsp_available():
            raise ERR_FEATURE_UNAVAILABLE_ON_PLATFORM('requestOCSP')
        _uv.tls_request_ocsp(self._ssl)
        self._ocsp_requested = True

    def _emit_ocsp_response(self):
        """Client, handshake done: 'OCSPResponse'(bytes or None)."""
        self.emit('OCSPResponse', _uv.tls_ocsp_response(self._ssl))

    def _watch_ocsp_request(self):
        """Server, as the connection arrives: suspend the handshake when
        the client asks for a status (nothing where OpenSSL is out of
        reach)."""
        if _uv.tls_ocsp_available():
            _uv.tls_ocsp_watch(self._ssl)
            self._ocsp_state = 'watching'

    def _sni_context_chosen(self, context):
        """An SNICallback chose ``context``: OpenSSL's switch of SSL_CTX
        dropped the certificate step (SSL_set_SSL_CTX copies the new
        context's), so it is set again; the issuer is looked up there."""
        self._ocsp_context = context
        if getattr(self, '_ocsp_state', None) == 'watching':
            _uv.tls_ocsp_watch(self._ssl, True)

    def _wait_for_sni(self, sslobj):
        """The SNICallback did not answer in the hook: suspend the
        handshake at the certificate step until it does.  False where
        OpenSSL is out of reach (the handshake fails, as before)."""
        if not _uv.tls_ocsp_available():
            return False
        _uv.tls_sni_wait(sslobj, True)
        self._sni_state = 'waiting'
        return True

    def _answer_sni_later(self, err, choose):
        """The SNICallback's late ``cb(err, ctx)``: fail the handshake with
        ``err`` as the synchronous refusal does, or ``choose()`` the context
        and go on (to 'OCSPRequest' when the client asked for a status).
        Ignored once answered, after a resumed handshake that did not wait,
        or when the socket is gone."""
        if self._destroyed or self._ssl is None or getattr(self, '_sni_state', None) != 'waiting':
            return
        self._sni_state = 'answered'
        if self._secure:
            # A resumed session skips OpenSSL's certificate step, so the
            # handshake did not wait (Node's SNICallback is not even asked
            # then): the answer comes too late to change anything.
            _uv.tls_sni_wait(self._ssl, False)
            return
        if err:
            self._fail_handshake(err)
            return
        choose()
        _uv.tls_sni_wait(self._ssl, False)
        self._continue_handshake()

    def _handshake_suspended(self):
        """OpenSSL suspended the handshake: emit 'OCSPRequest' the first
        time (more ciphertext may come while the listener thinks)."""
        if getattr(self, '_ocsp_state', None) != 'watching' or not _uv.tls_ocsp_asked(self._ssl):
            return
        self._ocsp_state = 'asked'
        certificate = self._own_der()
        self._ocsp_in_listener = True
        try:
            context = getattr(self, '_ocsp_context', self._context)
            self.server.emit('OCSPRequest', certificate, issuer_der(context, certificate),
                             self._answer_ocsp)
        finally:
            self._ocsp_in_listener = False
        if self._ocsp_state == 'answered':
            self._continue_handshake()

    def _answer_ocsp(self, err=None, response=None):
        """The 'OCSPRequest' callback: staple ``response`` (bytes; None
        or b'': nothing), or fail the handshake with ``err``.  Raises
        ERR_INVALID_ARG_TYPE for a response that is not bytes-like."""
        if response is not None and response is not False and not isinstance(
                response, (bytes, bytearray, memoryview)):
            raise _ResponseNotBytes()
        if self._destroyed or self._ssl is None or self._ocsp_state != 'asked':
            return
        if err is not None:
            self._ocsp_state = 'failed'
            self._fail_handshake(err)
            return
        _uv.tls_ocsp_answer(self._ssl, bytes(response) if response else b'')
        self._ocsp_state = 'answered'
        if not self._ocsp_in_listener:
            self._continue_handshake()
