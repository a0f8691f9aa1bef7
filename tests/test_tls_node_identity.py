"""Node's own tls tests on who the ends are: SNI contexts and client
certificates (test/parallel/test-tls-sni-*.js, test-tls-client-auth.js,
test-tls-server-verify.js in nodejs/node), ported: each row was first run
under /usr/bin/node v20 with certificates made by tests/tls_certs.py."""
import pytest

import pyuvnet.tls as tls


def _connect_in_turn(port, option_list, on_each, done):
    """Connect once per options dict, one after the other; ``on_each(client,
    options)`` wires each; ``done()`` after the last 'close'."""
    option_list = list(option_list)

    def next_one(*_):
        if not option_list:
            done()
            return
        options = option_list.pop(0)
        client = tls.connect(dict({'port': port, 'host': '127.0.0.1'}, **options))
        on_each(client, options)
        client.on('close', next_one)
    next_one()


def test_sni_callback_contexts_decide_the_certificate(tls_server, tls_certs, run_loop):
    """test-tls-sni-server-client.js, test-tls-sni-option.js: an
    SNICallback answering other.test's context for 'other.test' and
    'a.other.test', cb(null) for 'none.test' and cb(null, undefined) for
    the rest: the client sees other.test's certificate (authorized through
    its wildcard), or the server's own (for 'none.test':
    ERR_TLS_CERT_ALTNAME_INVALID); the server's socket reports the name
    asked; SNICallback runs once per connection with that name."""
    other = tls.createSecureContext({'key': tls_certs.other_key, 'cert': tls_certs.other_cert})
    asked, seen = [], []

    def sni(name, cb):
        asked.append(name)
        if name in ('other.test', 'a.other.test'):
            cb(None, other)
        elif name == 'none.test':
            cb(None)
        else:
            cb(None, None)
    server, port = tls_server(lambda s: (seen.append(('server', s.servername)), s.end()),
                              SNICallback=sni)

    def on_each(client, options):
        name = options['servername']
        client.on('secureConnect', lambda: seen.append(
            (name, client.authorized, client.getPeerCertificate().subject.CN)))
        client.on('error', lambda err: seen.append((name, 'error', err.code)))
    names = ['other.test', 'a.other.test', 'none.test', 'localhost']
    _connect_in_turn(port, [{'ca': tls_certs.ca, 'servername': name} for name in names],
                     on_each, server.close)
    run_loop()
    assert asked == names
    assert sorted(seen) == sorted([
        ('other.test', True, 'other.test'), ('server', 'other.test'),
        ('a.other.test', True, 'other.test'), ('server', 'a.other.test'),
        ('none.test', 'error', 'ERR_TLS_CERT_ALTNAME_INVALID'),
        ('localhost', True, 'localhost'), ('server', 'localhost')])


def test_add_context_wildcards_match_one_label(tls_server, tls_certs, run_loop):
    """test-tls-add-context.js / test-tls-sni-option.js with
    server.addContext('*.other.test', options) and addContext('other.test',
    SecureContext): 'x.other.test' and 'other.test' get other.test's
    certificate (authorized); 'y.x.other.test' (two labels) and
    'nothing.test' the server's own ('localhost', authorizationError
    ERR_TLS_CERT_ALTNAME_INVALID); the server socket's servername is the
    name asked each time."""
    seen = []
    server, port = tls_server(lambda s: (seen.append(('server', s.servername)), s.end()))
    server.addContext('*.other.test', {'key': tls_certs.other_key, 'cert': tls_certs.other_cert})
    server.addContext('other.test', tls.createSecureContext({'key': tls_certs.other_key,
                                                            'cert': tls_certs.other_cert}))

    def on_each(client, options):
        name = options['servername']
        client.on('secureConnect', lambda: seen.append(
            (name, client.authorized, client.authorizationError,
             client.getPeerCertificate().subject.CN)))
    names = ['x.other.test', 'other.test', 'y.x.other.test', 'nothing.test']
    _connect_in_turn(port, [{'ca': tls_certs.ca, 'servername': name, 'rejectUnauthorized': False}
                            for name in names], on_each, server.close)
    run_loop()
    assert sorted(seen) == sorted(
        [('x.other.test', True, None, 'other.test'), ('other.test', True, None, 'other.test'),
         ('y.x.other.test', False, 'ERR_TLS_CERT_ALTNAME_INVALID', 'localhost'),
         ('nothing.test', False, 'ERR_TLS_CERT_ALTNAME_INVALID', 'localhost')]
        + [('server', name) for name in names])


@pytest.mark.parametrize('client_cert, authorized, error, subject', [
    ('rsa', True, None, 'localhost'),
    (None, False, 'UNABLE_TO_GET_ISSUER_CERT', None),
    ('self', False, 'DEPTH_ZERO_SELF_SIGNED_CERT', 'localhost'),
])
def test_request_cert_without_reject_reports_the_clients_certificate(
        tls_server, tls_certs, run_loop, client_cert, authorized, error, subject):
    """test-tls-client-auth.js, test-tls-server-verify.js (requestCert true,
    rejectUnauthorized false, the CA as ca): a client with a CA-signed
    certificate is authorized; without one the server's socket says
    authorized false, authorizationError 'UNABLE_TO_GET_ISSUER_CERT' and
    getPeerCertificate() is {}; with a self-signed one
    'DEPTH_ZERO_SELF_SIGNED_CERT' and its subject.  The client connects
    each time."""
    seen = []

    def on_secure(sock):
        peer = sock.getPeerCertificate()
        seen.append(('server', sock.authorized, sock.authorizationError,
                     peer.subject.CN if peer else peer))
        sock.end()
    server, port = tls_server(on_secure, ca=tls_certs.ca, requestCert=True,
                              rejectUnauthorized=False)
    options = {'port': port, 'host': 'localhost', 'ca': tls_certs.ca}
    if client_cert == 'rsa':
        options.update(key=tls_certs.rsa_key, cert=tls_certs.rsa_cert)
    elif client_cert == 'self':
        options.update(key=tls_certs.self_key, cert=tls_certs.self_cert)
    client = tls.connect(options, lambda: seen.append(('client', client.authorized)))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert sorted(seen, key=str) == sorted([
        ('client', True), ('server', authorized, error, subject if subject else {})], key=str)
