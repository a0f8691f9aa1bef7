"""An SNICallback that answers later (Node 20 lets it): the handshake waits
at OpenSSL's certificate step until ``cb`` is called.  Pinned with
/usr/bin/node v20 (SNICallback answering by setTimeout(cb, 50, ...),
client servername 'b.test'):

    cb(null, ctxB)          // C secureConnect, certificate b.test | S secureConnection b.test
    cb(null, null)          // C secureConnect with the server's own certificate
    cb(new Error('nope'))   // S tlsClientError <that error> | C error ECONNRESET 'Client network
                            // socket disconnected before secure TLS connection was established'
    never                   // S tlsClientError ERR_TLS_HANDSHAKE_TIMEOUT
"""
import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from support import NODE, SLOWDOWN, node  # noqa: F401 (node: a fixture)


def later(callback, *args):
    net.setTimeout(lambda: callback(*args), 50)


def sni_run(tls_server, tls_certs, run_loop, answer, server_options=None, client_options=None,
            ocsp=None):
    """One connection to a server whose SNICallback calls ``answer(name, cb)``;
    returns the log of both ends' events.  ``ocsp``: the server's
    'OCSPRequest' answer (bytes) and the client asks for a status."""
    log = []

    def on_secure(s):
        log.append(('S secureConnection', s.servername, s.alpnProtocol))
        s.on('error', lambda err: None)
        s.end()

    def sni(name, cb):
        log.append(('S SNICallback', name))
        answer(name, cb)
    server, port = tls_server(on_secure, SNICallback=sni, **(server_options or {}))
    server.on('tlsClientError', lambda err, s: log.append(('S tlsClientError', err)))
    options = dict(port=port, host='127.0.0.1', servername='other.test', ca=tls_certs.ca)
    if ocsp is not None:
        server.on('OCSPRequest', lambda certificate, issuer, cb: (
            log.append(('S OCSPRequest', tls.X509Certificate(certificate).subject)),
            later(cb, None, ocsp)))
        options['requestOCSP'] = True
    client = tls.connect(dict(options, **(client_options or {})))
    client.on('secureConnect', lambda: log.append(
        ('C secureConnect', client.authorized, client.getPeerCertificate().subject.CN,
         client.alpnProtocol)))
    client.on('OCSPResponse', lambda response: log.append(('C OCSPResponse', response)))
    client.on('error', lambda err: log.append(('C error', err)))
    client.on('data', lambda chunk: None)

    def on_close(had_error):
        log.append('C close')
        server.close()
    client.on('close', on_close)
    run_loop()
    return log


def other_context(tls_certs):
    return tls.createSecureContext({'key': tls_certs.other_key, 'cert': tls_certs.other_cert})


def test_late_context_answer_serves_that_contexts_certificate(tls_server, tls_certs, run_loop):
    """cb(null, ctx) 50 ms later: the client is authorized by other.test's
    certificate, the server's socket names 'other.test', and both ends
    agree the connection's ALPN protocol (kept across the switch)."""
    other = other_context(tls_certs)
    log = sni_run(tls_server, tls_certs, run_loop, lambda name, cb: later(cb, None, other),
                  server_options={'ALPNProtocols': ['x']}, client_options={'ALPNProtocols': ['x']})
    assert log[0] == ('S SNICallback', 'other.test')
    assert ('C secureConnect', True, 'other.test', 'x') in log
    assert ('S secureConnection', 'other.test', 'x') in log
    assert log[-1] == 'C close'


def test_late_answer_without_context_keeps_the_servers_certificate(tls_server, tls_certs, run_loop):
    """cb(null, null) later: the server's own certificate ('localhost'),
    which does not name other.test, so the client refuses it."""
    log = sni_run(tls_server, tls_certs, run_loop, lambda name, cb: later(cb, None, None),
                  client_options={'rejectUnauthorized': False})
    assert ('C secureConnect', False, 'localhost', False) in log


def test_late_error_answer_fails_the_handshake_with_that_error(tls_server, tls_certs, run_loop):
    """cb(err) later: the server's 'tlsClientError' is that very error;
    the client sees ECONNRESET before 'secureConnect', then 'close'."""
    refusal = Exception('nope')
    log = sni_run(tls_server, tls_certs, run_loop, lambda name, cb: later(cb, refusal))
    assert ('S tlsClientError', refusal) in log
    errors = [entry[1] for entry in log if entry[0] == 'C error']
    assert [err.code for err in errors] == ['ECONNRESET']
    assert not any(entry[0] == 'C secureConnect' for entry in log if entry != 'C close')
    assert log[-1] == 'C close'


def test_never_answered_sni_callback_meets_the_handshake_timeout(tls_server, tls_certs, run_loop):
    """cb never called: the handshake timeout fails the handshake
    (ERR_TLS_HANDSHAKE_TIMEOUT); a later cb changes nothing."""
    calls = []
    log = sni_run(tls_server, tls_certs, run_loop, lambda name, cb: calls.append(cb),
                  server_options={'handshakeTimeout': 100})
    codes = [getattr(entry[1], 'code', None) for entry in log if entry[0] == 'S tlsClientError']
    assert codes == ['ERR_TLS_HANDSHAKE_TIMEOUT']
    assert log[-1] == 'C close'
    calls[0](None, other_context(tls_certs))       # ignored: the socket is gone


def test_late_sni_then_ocsp_staples_for_the_chosen_certificate(tls_server, tls_certs, run_loop):
    """Both waits on one connection: the SNICallback answers later, then
    'OCSPRequest' is emitted (with the chosen context's certificate) and
    answers later; the client gets the staple, then 'secureConnect'."""
    other = other_context(tls_certs)
    log = sni_run(tls_server, tls_certs, run_loop, lambda name, cb: later(cb, None, other),
                  ocsp=b'staple')
    names = [entry[0] for entry in log if entry != 'C close']
    assert names.index('S SNICallback') < names.index('S OCSPRequest') < names.index('C OCSPResponse')
    assert ('S OCSPRequest', 'CN=other.test') in log
    assert ('C OCSPResponse', b'staple') in log
    assert ('C secureConnect', True, 'other.test', False) in log


def test_resumed_session_does_not_wait_and_ignores_the_late_answer(tls_server, tls_certs,
                                                                   run_loop):
    """A client resuming its TLS 1.3 session: OpenSSL skips the certificate
    step, so the handshake does not wait for the late SNICallback (Node's,
    under TLS 1.2, does not call it then); the answer that comes after
    'secureConnection' switches nothing: the server's socket keeps its own
    certificate."""
    other = other_context(tls_certs)
    log, sessions, late = [], [], []

    def sni(name, cb):
        def answer():
            cb(None, other)
            log.append(('answered', servers[-1].getCertificate().subject.CN if servers else None))
            if servers:
                servers[-1].end()   # the resumed socket, once its certificate was read
        if not servers:
            net.setTimeout(answer, 50 * SLOWDOWN)   # the first handshake waits for it
            return
        # The resumed handshake must not wait: the answer is given once its
        # 'secureConnection' came (a fixed delay raced a slow handshake under
        # load), or after 2 s if it never comes, which the log then shows.
        late.append((answer, net.setTimeout(answer_late, 2000 * SLOWDOWN)))

    def answer_late():
        if late:
            answer, deadline = late.pop()
            net.clearTimeout(deadline)
            answer()
    servers = []

    def on_secure(s):
        servers.append(s)
        log.append(('S secureConnection', s.isSessionReused()))
        if s.isSessionReused():
            net.setTimeout(answer_late, 10)
        s.on('data', lambda chunk: None)
        s.on('error', lambda err: None)
        if not s.isSessionReused():
            # The resumed one ends after the late answer (above): ended
            # first, on a slow run, it would have no certificate to read.
            net.setTimeout(s.end, 100)
    server, port = tls_server(on_secure, SNICallback=sni)

    def connect(session=None):
        client = tls.connect(dict(port=port, host='127.0.0.1', servername='other.test',
                                  ca=tls_certs.ca, session=session))
        client.on('session', sessions.append)
        client.on('data', lambda chunk: None)
        client.on('close', lambda had_error: connect(sessions[-1]) if session is None
                  else server.close())
    connect()
    run_loop()
    assert log == [('answered', None), ('S secureConnection', False),
                   ('S secureConnection', True), ('answered', 'localhost')]


NODE_SNI_CLIENT = r"""
const tls = require('tls'), fs = require('fs');
const c = tls.connect({port: +process.argv[1], host: '127.0.0.1', servername: 'other.test',
                       ca: fs.readFileSync(process.argv[2])});
const events = [];
c.on('secureConnect', () => {
  events.push(['secureConnect', c.authorized, c.getPeerCertificate().subject.CN]); c.end(); });
c.on('error', (e) => events.push(['error', e.code]));
c.on('data', () => {});
c.on('close', () => console.log(JSON.stringify(events)));
"""


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_node_client_gets_the_context_a_late_sni_callback_chose(tls_server, tls_certs, run_loop,
                                                                node):
    """A Node 20 client asking for 'other.test' of a pyuvnet server whose
    SNICallback answers 50 ms later: Node verifies other.test's
    certificate and connects."""
    other = other_context(tls_certs)

    def on_secure(s):
        s.on('data', lambda chunk: None)
        s.on('close', lambda had_error: server.close())
        s.end()
    server, port = tls_server(on_secure, SNICallback=lambda name, cb: later(cb, None, other))
    peer = node(NODE_SNI_CLIENT, port, tls_certs.path('ca.pem'))
    run_loop(20)
    assert peer.result() == [['secureConnect', True, 'other.test']]
