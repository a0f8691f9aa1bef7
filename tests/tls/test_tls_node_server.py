"""Node's own tls tests on servers and their options (test/parallel/
test-tls-*.js in nodejs/node), ported: each behaviour was first run under
/usr/bin/node v20 with certificates made by tests/tls/tls_certs_support.py, and each
docstring names the Node file and what Node printed."""
import pytest

import pyuvnet as net

import pyuvnet.tls as tls

# test-tls-basic-validations.js, and more of its kind: (call, options, code,
# the start of Node 20's message).
BASIC_VALIDATIONS = [
    ('createSecureContext', {'ciphers': 1}, 'ERR_INVALID_ARG_TYPE',
     'The "options.ciphers" property must be of type string.'),
    ('createServer', {'ciphers': 1}, 'ERR_INVALID_ARG_TYPE',
     'The "options.ciphers" property must be of type string.'),
    ('createSecureContext', {'key': 'dummykey', 'passphrase': 1}, 'ERR_INVALID_ARG_TYPE',
     'The "options.passphrase" property must be of type string.'),
    ('createServer', {'ecdhCurve': 1}, 'ERR_INVALID_ARG_TYPE',
     'The "options.ecdhCurve" property must be of type string.'),
    ('createServer', {'handshakeTimeout': 'abcd'}, 'ERR_INVALID_ARG_TYPE',
     'The "options.handshakeTimeout" property must be of type number.'),
    ('createServer', {'sessionTimeout': 'abcd'}, 'ERR_INVALID_ARG_TYPE',
     'The "options.sessionTimeout" property must be of type number.'),
    ('createServer', {'ALPNProtocols': ['a' * 256]}, 'ERR_OUT_OF_RANGE',
     'The byte length of the protocol at index 0 exceeds the maximum length. '
     'It must be <= 255. Received 256'),
    ('createSecureContext', {'minVersion': 'fhqwhgads'}, 'ERR_TLS_INVALID_PROTOCOL_VERSION',
     '"fhqwhgads" is not a valid minimum TLS protocol version'),
    ('createSecureContext', {'maxVersion': 'fhqwhgads'}, 'ERR_TLS_INVALID_PROTOCOL_VERSION',
     '"fhqwhgads" is not a valid maximum TLS protocol version'),
    ('createServer', {'SNICallback': 'x'}, 'ERR_INVALID_ARG_TYPE',
     'The "options.SNICallback" property must be of type function.'),
    ('createServer', {'key': 5}, 'ERR_INVALID_ARG_TYPE',
     'The "options.key" property must be of type string or an instance of Buffer, '
     'TypedArray, or DataView.'),
    ('createServer', {'cert': 5}, 'ERR_INVALID_ARG_TYPE',
     'The "options.cert" property must be of type string or an instance of Buffer, '
     'TypedArray, or DataView.'),
    ('createServer', {'ca': 5}, 'ERR_INVALID_ARG_TYPE',
     'The "options.ca" property must be of type string or an instance of Buffer, '
     'TypedArray, or DataView.'),
    ('createServer', 'this is not valid', 'ERR_INVALID_ARG_TYPE',
     'The "options" argument must be of type object.'),
]


@pytest.mark.parametrize('call, options, code, message', BASIC_VALIDATIONS)
def test_bad_options_raise_nodes_code_and_message(call, options, code, message):
    """test-tls-basic-validations.js (and the same checks on more options):
    each call throws at once, with Node 20's code and a message that starts
    as Node's (what follows, 'Received type number (1)', names Python's
    type)."""
    with pytest.raises(Exception) as info:
        getattr(tls, call)(options)
    assert getattr(info.value, 'code', None) == code, info.value
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize('options', [{}, None])
def test_a_server_without_certificate_listens(options, run_loop):
    """test-tls-no-cert-required.js: tls.createServer({}) and
    tls.createServer() listen (omitting cert is no error)."""
    seen = []
    server = tls.createServer(options)
    server.listen(0, lambda: (seen.append('listening'), server.close()))
    run_loop()
    assert seen == ['listening']


def test_a_server_without_certificate_fails_the_handshake_with_nodes_codes(run_loop):
    """test-tls-no-cert-required.js, then a client connecting: the client's
    'error' is ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE, the server emits one
    'tlsClientError' and no 'secureConnection'.  (Node 20's server error
    is ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM, pyuvnet's the
    ERR_SSL_NO_SHARED_CIPHER of Python's OpenSSL setup: both
    OpenSSL's, from different cipher lists.)"""
    seen = []
    server = tls.createServer({}, lambda s: seen.append('secureConnection'))
    server.on('tlsClientError', lambda err, s: seen.append(('server', err.code)))
    server.listen(0, '127.0.0.1')
    client = tls.connect({'port': server.address().port, 'host': '127.0.0.1',
                          'rejectUnauthorized': False})
    client.on('error', lambda err: seen.append(('client', err.code)))
    client.on('close', lambda _: server.close())
    run_loop()
    assert sorted(seen)[0] == ('client', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')
    assert [entry[0] for entry in sorted(seen)] == ['client', 'server']
    assert sorted(seen)[1][1].startswith('ERR_SSL_NO_')


def test_connection_and_secure_connection_sockets_know_their_server(tls_server, run_loop):
    """test-tls-server-connection-server.js: the tls.Server's 'connection'
    gets the raw net.Socket and 'secureConnection' the TLSSocket; each has
    .server === the tls.Server."""
    seen = []
    server, port = tls_server(lambda s: s.end('hello'))
    server.on('connection', lambda sock: (seen.append(
        ('connection', sock.server is server, type(sock).__name__)), server.close()))
    server.on('secureConnection', lambda sock: seen.append(
        ('secure', sock.server is server, type(sock).__name__)))
    client = tls.connect({'port': port, 'rejectUnauthorized': False}, lambda: client.end())
    run_loop()
    assert seen == [('connection', True, 'Socket'), ('secure', True, 'TLSSocket')]


def test_end_with_an_empty_string_before_the_handshake_is_no_error(tls_server, tls_certs,
                                                                  run_loop):
    """test-tls-zero-clear-in.js: conn.end('') right after tls.connect (a
    zero-length SSL_write): the handshake completes, no 'error', 'close'
    (false) once destroyed."""
    seen = []

    def on_secure(sock):
        net_timer(lambda: (sock.destroy(), server.close()))
    server, port = tls_server(on_secure)
    conn = tls.connect({'key': tls_certs.key, 'cert': tls_certs.cert,
                        'rejectUnauthorized': False, 'port': port},
                       lambda: (seen.append('secure'), net_timer(conn.destroy)))
    conn.end('')
    conn.on('error', lambda err: seen.append(('error', err)))
    conn.on('close', lambda had_error: seen.append(('close', had_error)))
    run_loop()
    assert seen == ['secure', ('close', False)]


def net_timer(callback):
    net.setTimeout(callback, 20)


def test_an_sni_context_without_certificate_is_the_servers_client_error(run_loop):
    """test-tls-empty-sni-context.js: SNICallback answering
    cb(null, tls.createSecureContext()) (no cert): the server's
    'tlsClientError' ERR_SSL_PASSED_A_NULL_PARAMETER (SSL_use_certificate:
    passed a null parameter), no 'secureConnection'; the client's 'error'
    ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE, its connect callback not
    called.  (pyuvnet's server error is another of OpenSSL's,
    ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM: the context swap goes through
    Python's ssl, not Node's SSL_use_certificate.)"""
    seen = []
    server = tls.createServer({'SNICallback': lambda name, cb: cb(None,
                                                                   tls.createSecureContext())},
                              lambda s: seen.append('secureConnection'))
    server.on('tlsClientError', lambda err, s: (seen.append(('server', err.code)),
                                                server.close()))
    server.listen(0, '127.0.0.1')
    client = tls.connect({'port': server.address().port, 'host': '127.0.0.1',
                          'rejectUnauthorized': False, 'servername': 'any.name'},
                         lambda: seen.append('connected'))
    client.on('error', lambda err: seen.append(('client', err.code)))
    run_loop()
    assert sorted(seen) == [('client', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'),
                            ('server', 'ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM')]


def test_an_unknown_issuer_is_nodes_friendly_message(tls_server, run_loop):
    """test-tls-friendly-error-message.js: rejectUnauthorized true against
    a certificate of an unknown CA: 'error' UNABLE_TO_VERIFY_LEAF_SIGNATURE
    with message 'unable to verify the first certificate'."""
    seen = []
    server, port = tls_server(lambda s: s.end())
    client = tls.connect({'port': port, 'rejectUnauthorized': True})
    client.on('error', lambda err: (seen.append((err.code, str(err))), client.destroy()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate')]


def test_set_timeout_on_a_server_socket_returns_it_and_fires(tls_server, run_loop):
    """test-tls-request-timeout.js: in 'secureConnection',
    socket.setTimeout(100) returns the socket, timeout is 100, and
    'timeout' comes with no argument once the client idles."""
    seen = []

    def on_secure(sock):
        seen.append((sock.setTimeout(100) is sock, sock.timeout))
        sock.on('timeout', lambda *args: (seen.append(('timeout', args)), sock.end(),
                                          server.close()))
    server, port = tls_server(on_secure)
    client = tls.connect({'port': port, 'rejectUnauthorized': False})
    client.resume()
    run_loop()
    assert seen == [(True, 100), ('timeout', ())]


def test_set_secure_context_serves_the_new_certificate_to_later_clients(tls_server, tls_certs,
                                                                        run_loop):
    """test-tls-set-secure-context.js: a client asking for other.test first
    meets the localhost certificate (ERR_TLS_CERT_ALTNAME_INVALID); after
    server.setSecureContext({key, cert} of other.test) the next client is
    authorized with CN other.test."""
    seen = []
    server, port = tls_server(lambda s: s.end())

    def one(done):
        client = tls.connect({'port': port, 'ca': tls_certs.ca, 'servername': 'other.test'},
                             lambda: seen.append((client.getPeerCertificate().subject.CN,
                                                  client.authorized)))
        client.on('error', lambda err: seen.append(err.code))
        client.on('close', lambda _: done())

    def second():
        server.setSecureContext({'key': tls_certs.other_key, 'cert': tls_certs.other_cert})
        one(server.close)
    one(second)
    run_loop()
    assert seen == ['ERR_TLS_CERT_ALTNAME_INVALID', ('other.test', True)]


def test_a_broken_handshake_record_is_the_servers_client_error(tls_server, run_loop):
    """test-tls-server-failed-handshake-emits-clienterror.js: a raw client
    sending a handshake record that is no ClientHello: 'tlsClientError'
    ERR_SSL_UNEXPECTED_MESSAGE with the TLSSocket, already destroyed; the
    raw client is closed."""
    seen = []
    server, port = tls_server(lambda s: seen.append('secureConnection'))
    server.on('tlsClientError', lambda err, sock: seen.append(
        (err.code, type(sock).__name__, sock.destroyed)))
    raw = net.connect(port, '127.0.0.1', lambda: raw.end(b'\x16\x03\x01\x00\x05hello'))
    raw.resume()
    raw.on('close', lambda _: (seen.append('raw close'), server.close()))
    run_loop()
    assert seen == [('ERR_SSL_UNEXPECTED_MESSAGE', 'TLSSocket', True), 'raw close']
