"""pyuvnet.tls with pyuvnet on both ends: the handshake, the verification
outcomes and their Node codes, certificates, ALPN and SNI, options, and a
peer that misbehaves (tests/tls/test_tls_duplex.py has the stream semantics).
Node's behaviour is pinned in each docstring (run with /usr/bin/node v20);
tests/tls/test_tls_interop_node.py runs Node itself."""
import gc
import hashlib
import os
import ssl

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from support import ROOT, event_names, linux_only, record_events


def test_echo_round_trip_reports_protocol_cipher_and_authorization(tls_server, tls_certs, run_loop):
    """Node: the client is authorized by its ca, the cipher's version is the
    protocol's.
        tls.connect({port, host: 'localhost', ca}, () => {
          c.authorized === true; c.authorizationError === null;
          c.getProtocol() === 'TLSv1.3';
          c.getCipher() -> {name: 'TLS_AES_256_GCM_SHA384', standardName: ..., version: 'TLSv1.3'}
          c.servername === false    // no SNI without the servername option
        })
    """
    server, port = tls_server(lambda s: s.on('data', lambda d: s.write(d.upper())))
    seen = {}
    client = tls.connect(port, 'localhost', {'ca': tls_certs.ca})

    def on_secure():
        seen.update(authorized=client.authorized, error=client.authorizationError,
                    protocol=client.getProtocol(), cipher=client.getCipher(),
                    servername=client.servername, encrypted=client.encrypted)
        client.write('hello')
    client.on('secureConnect', on_secure)
    client.on('data', lambda d: (seen.setdefault('data', d), client.end()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen['authorized'] is True and seen['error'] is None
    assert seen['protocol'] == 'TLSv1.3'
    assert seen['cipher'].version == 'TLSv1.3' and seen['cipher'].name.startswith('TLS_')
    assert seen['servername'] is False and seen['encrypted'] is True
    assert seen['data'] == b'HELLO'


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_max_version_limits_the_negotiated_protocol(tls_server, tls_certs, run_loop, version):
    """Node: tls.connect({..., maxVersion: 'TLSv1.2'}) -> getProtocol() 'TLSv1.2'."""
    server, port = tls_server()
    seen = []
    client = tls.connect({'port': port, 'host': '127.0.0.1', 'ca': tls_certs.ca,
                          'maxVersion': version},
                         lambda: (seen.append((client.getProtocol(), client.getCipher().version)),
                                  client.end()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [(version, version)]


def test_self_signed_certificate_fails_with_depth_zero_code(tls_server, tls_certs, run_loop):
    """Node:
        tls.connect({port, host: '127.0.0.1'}).on('error', e => e.code)
          -> 'DEPTH_ZERO_SELF_SIGNED_CERT', message 'self-signed certificate'
    then 'close'(true); the client leaves before its Finished, so the
    server's 'tlsClientError' is ECONNRESET 'socket hang up'."""
    server, port = tls_server(key=tls_certs.self_key, cert=tls_certs.self_cert)
    server_errors = []
    server.on('tlsClientError', lambda err, s: server_errors.append((err.code, str(err))))
    log = []
    client = tls.connect(port, '127.0.0.1')
    record_events(client, log, ['secureConnect', 'error', 'close'])
    client.on('close', lambda _: server.close())
    run_loop()
    assert event_names(log) == ['error', 'close']
    assert log[0][1].code == 'DEPTH_ZERO_SELF_SIGNED_CERT'
    assert str(log[0][1]) == 'self-signed certificate'
    assert log[1][1] is True
    assert server_errors == [('ECONNRESET', 'socket hang up')]


def test_leaf_of_an_unknown_ca_fails_with_unable_to_verify_leaf_signature(tls_server, run_loop):
    """Node: a CA-signed leaf sent alone, CA not trusted ->
    e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'."""
    server, port = tls_server()
    codes = []
    client = tls.connect(port, '127.0.0.1')
    client.on('error', lambda err: codes.append(err.code))
    client.on('close', lambda _: server.close())
    run_loop()
    assert codes == ['UNABLE_TO_VERIFY_LEAF_SIGNATURE']


def test_host_name_mismatch_is_err_tls_cert_altname_invalid(tls_server, tls_certs, run_loop):
    """Node:
        tls.connect({port, host: '127.0.0.1', ca, servername: 'example.com'})
          .on('error', e => [e.code, e.reason, e.host])
    -> ['ERR_TLS_CERT_ALTNAME_INVALID', "Host: example.com. is not in the
    cert's altnames: DNS:localhost, IP Address:127.0.0.1", 'example.com']."""
    server, port = tls_server()
    seen = []
    client = tls.connect(port, '127.0.0.1', {'ca': tls_certs.ca, 'servername': 'example.com'})
    client.on('error', seen.append)
    client.on('close', lambda _: server.close())
    run_loop()
    err, = seen
    assert err.code == 'ERR_TLS_CERT_ALTNAME_INVALID'
    assert err.reason == ("Host: example.com. is not in the cert's altnames: "
                          "DNS:localhost, IP Address:127.0.0.1")
    assert err.host == 'example.com' and err.cert.subject.CN == 'localhost'


def test_reject_unauthorized_false_connects_and_reports_why(tls_server, tls_certs, run_loop):
    """Node:
        tls.connect({port, host: '127.0.0.1', rejectUnauthorized: false}, () =>
          [c.authorized, c.authorizationError])
    -> [false, 'DEPTH_ZERO_SELF_SIGNED_CERT']."""
    server, port = tls_server(key=tls_certs.self_key, cert=tls_certs.self_cert)
    seen = []
    client = tls.connect(port, '127.0.0.1', reject_unauthorized=False)
    client.on('secureConnect', lambda: (seen.append((client.authorized, client.authorization_error)),
                                        client.end()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [(False, 'DEPTH_ZERO_SELF_SIGNED_CERT')]


def test_custom_check_server_identity_decides(tls_server, tls_certs, run_loop):
    """Node: options.checkServerIdentity(host, cert) returning an Error
    makes the connection fail with it; returning undefined accepts."""
    server, port = tls_server()
    calls = []
    refused = RuntimeError('not this one')
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, servername='localhost',
                         check_server_identity=lambda host, cert: calls.append(
                             (host, cert.subject.CN)) or refused)
    client.on('error', calls.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert calls == [('localhost', 'localhost'), refused]


def test_peer_certificate_has_nodes_fields(tls_server, tls_certs, run_loop):
    """Node's getPeerCertificate(): subject {CN}, issuer, subjectaltname
    'DNS:localhost, IP Address:127.0.0.1', valid_from/valid_to
    'Nov 22 15:49:15 2026 GMT', serialNumber in upper-case hex,
    fingerprint256 colon-separated upper-case SHA-256 of the DER, raw."""
    server, port = tls_server()
    seen = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.on('secureConnect', lambda: (seen.append(client.getPeerCertificate()), client.end()))
    client.on('close', lambda _: (seen.append(client.getPeerCertificate()), server.close()))
    run_loop()
    cert, after_close = seen
    der = ssl.PEM_cert_to_DER_cert(tls_certs.cert)
    assert cert.subject == {'CN': 'localhost'} and cert.issuer == {'CN': 'pyuvnet test CA'}
    assert cert.subjectaltname == 'DNS:localhost, IP Address:127.0.0.1'
    assert cert.raw == der
    assert cert.fingerprint256 == ':'.join('%02X' % b for b in hashlib.sha256(der).digest())
    assert cert.valid_to.endswith(' GMT') and cert.serialNumber.isalnum()
    assert after_close is None


def test_alpn_picks_the_servers_preference(tls_server, tls_certs, run_loop):
    """Node: server ALPNProtocols ['h2', 'http/1.1'], client ['http/1.1', 'h2']
    -> both alpnProtocol === 'h2'; without ALPN, alpnProtocol === false."""
    picked = []
    server, port = tls_server(lambda s: picked.append(s.alpnProtocol),
                              ALPNProtocols=['h2', 'http/1.1'])
    client = tls.connect(port, 'localhost', ca=tls_certs.ca, ALPNProtocols=['http/1.1', 'h2'])
    client.on('secureConnect', lambda: (picked.append(client.alpnProtocol), client.end()))
    plain = tls.connect(port, 'localhost', ca=tls_certs.ca)
    plain.on('secureConnect', lambda: (picked.append(plain.alpnProtocol), plain.end()))
    closed = []
    for sock in (client, plain):
        sock.on('close', lambda _: closed.append(1) if len(closed) < 1 else server.close())
    run_loop()
    assert sorted(map(str, picked)) == sorted(['h2', 'h2', 'False', 'False'])


def test_sni_callback_serves_the_second_certificate(tls_server, tls_certs, run_loop):
    """Node: SNICallback(servername, cb) answering cb(null, context) makes the
    server present that context's certificate; s.servername is the name;
    the server's ALPNProtocols still apply."""
    other = tls.createSecureContext(key=tls_certs.other_key, cert=tls_certs.other_cert)
    names = []
    server, port = tls_server(lambda s: names.append((s.servername, s.alpnProtocol)),
                              ALPNProtocols=['h2'], SNICallback=lambda name, cb: cb(None, other if name == 'other.test'
                                                              else None))
    seen = []
    for host in ('other.test', 'localhost'):
        sock = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, servername=host,
                           ALPNProtocols=['h2'])
        sock.on('secureConnect', lambda sock=sock: (seen.append(
            (sock.servername, sock.getPeerCertificate().subject.CN)), sock.end()))
        sock.on('close', lambda _: len(seen) == 2 and server.close())
    run_loop()
    assert sorted(seen) == [('localhost', 'localhost'), ('other.test', 'other.test')]
    assert sorted(names) == [('localhost', 'h2'), ('other.test', 'h2')]


def test_garbage_from_a_client_is_tls_client_error_wrong_version(tls_server, run_loop):
    """Node: net.connect(port).write(Buffer.alloc(100, 7)) to a tls server
    -> 'tlsClientError' ERR_SSL_WRONG_VERSION_NUMBER; 'GET / HTTP/1.1' ->
    ERR_SSL_HTTP_REQUEST; the raw peer is closed."""
    server, port = tls_server()
    codes = []
    server.on('tlsClientError', lambda err, s: codes.append(err.code))
    closed = []
    for data in (bytes([7]) * 100, b'GET / HTTP/1.1\r\n\r\n'):
        raw = net.connect(port, '127.0.0.1')
        raw.write(data)
        raw.resume()
        raw.on('error', lambda err: None)
        raw.on('close', lambda _: (closed.append(1), len(closed) == 2 and server.close()))
    run_loop()
    assert sorted(codes) == ['ERR_SSL_HTTP_REQUEST', 'ERR_SSL_WRONG_VERSION_NUMBER']


def test_truncated_handshake_is_econnreset_socket_hang_up(tls_server, run_loop):
    """Node: half a ClientHello then FIN -> 'tlsClientError' ECONNRESET
    'socket hang up', the socket destroyed."""
    server, port = tls_server()
    seen = []
    server.on('tlsClientError', lambda err, s: seen.append((err.code, str(err))))
    raw = net.connect(port, '127.0.0.1')
    raw.end(bytes([0x16, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3]))
    raw.resume()
    raw.on('close', lambda _: server.close())
    run_loop()
    assert seen == [('ECONNRESET', 'socket hang up')]


def test_handshake_timeout_bounds_a_silent_peer(tls_server, run_loop):
    """Node: handshakeTimeout: 300 and a peer that sends nothing ->
    'tlsClientError' ERR_TLS_HANDSHAKE_TIMEOUT 'TLS handshake timeout'.
    (Node 20 then leaves the socket open; pyuvnet closes it, so a silent
    peer cannot hold a connection: docs/TLS.md.)"""
    server, port = tls_server(handshakeTimeout=200)
    seen = []
    server.on('tlsClientError', lambda err, s: seen.append((err.code, str(err))))
    raw = net.connect(port, '127.0.0.1')
    raw.resume()
    raw.on('close', lambda _: (seen.append('peer closed'), server.close()))
    run_loop()
    assert seen == [('ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake timeout'), 'peer closed']


def test_tls_client_against_a_plain_server_gets_wrong_version_number(run_loop):
    """Node: tls.connect to a server that answers 'HTTP/1.1 400 ...' ->
    'error' ERR_SSL_WRONG_VERSION_NUMBER, then 'close'(true); to one that
    only sends FIN -> ECONNRESET 'Client network socket disconnected before
    secure TLS connection was established'."""
    seen = []
    for reply in (b'HTTP/1.1 400 Bad\r\n\r\n', None):
        server = net.createServer(lambda s, reply=reply: s.end(reply) if reply else s.end())
        server.listen(0, '127.0.0.1')
        client = tls.connect(server.address().port, '127.0.0.1')
        client.on('error', lambda err: seen.append((err.code, str(err))))
        client.on('close', lambda had_error, server=server: (seen.append(had_error), server.close()))
    run_loop()
    assert ('ERR_SSL_WRONG_VERSION_NUMBER' in [s[0] for s in seen if isinstance(s, tuple)])
    assert ('ECONNRESET', 'Client network socket disconnected before secure TLS '
                          'connection was established') in seen
    assert seen.count(True) == 2


def test_check_server_identity_rules():
    """Node: tls.checkServerIdentity('a.example.com', {subjectaltname:
    'DNS:*.example.com'}) === undefined; 'example.com' against it -> Error
    ERR_TLS_CERT_ALTNAME_INVALID; '*' never matches a two-label pattern;
    an IP host is checked against IP Address entries."""
    wild = {'subjectaltname': 'DNS:*.example.com', 'subject': {}}
    assert tls.checkServerIdentity('a.example.com', wild) is None
    assert tls.checkServerIdentity('example.com', wild).code == 'ERR_TLS_CERT_ALTNAME_INVALID'
    assert tls.checkServerIdentity('b.a.example.com', wild) is not None
    assert tls.check_server_identity('x.com', {'subjectaltname': 'DNS:*.com'}) is not None
    ip = {'subjectaltname': 'DNS:localhost, IP Address:127.0.0.1'}
    assert tls.checkServerIdentity('127.0.0.1', ip) is None
    assert tls.checkServerIdentity('127.0.0.2', ip).reason == \
        "IP: 127.0.0.2 is not in the cert's list: 127.0.0.1"
    assert tls.checkServerIdentity('localhost', {'subject': {'CN': 'localhost'}}) is None


def test_secure_context_option_errors(tls_certs):
    """Node: createSecureContext({minVersion: 'TLSv9'}) throws
    ERR_TLS_INVALID_PROTOCOL_VERSION; an unknown option is an error here
    (pyuvnet's rule).  A key that is
    not the certificate's: Node 20 takes the context and fails later;
    Python's load_cert_chain refuses it at once, with OpenSSL's reason in
    Node's naming (docs/TLS.md lists the difference)."""
    with pytest.raises(net.NodeError) as info:
        tls.createSecureContext(minVersion='TLSv9')
    assert info.value.code == 'ERR_TLS_INVALID_PROTOCOL_VERSION'
    with pytest.raises(net.NodeError) as info:
        tls.create_secure_context({'colour': 'blue'})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    with pytest.raises(net.NodeError) as info:
        tls.createSecureContext(key=tls_certs.key, cert=tls_certs.other_cert)
    assert info.value.code == 'ERR_OSSL_X509_KEY_VALUES_MISMATCH'


def test_request_cert_mutual_tls_as_node(tls_server, tls_certs, run_loop):
    """Node, server {requestCert: true, rejectUnauthorized: true, ca}:
      - a client without a certificate: 'tlsClientError'
        ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE;
      - a client certificate signed by ca: 'secureConnection' with
        authorized === true, getPeerCertificate().subject.CN its name;
      - a self-signed client certificate: the server drops it after the
        handshake, 'tlsClientError' ECONNRESET 'socket hang up'; the
        client saw 'secureConnect' then 'end'."""
    accepted = []
    server, port = tls_server(lambda s: (accepted.append(
        (s.authorized, s.getPeerCertificate().subject.CN)), s.end('hi')),
        ca=tls_certs.ca, requestCert=True, rejectUnauthorized=True)
    refused = []
    server.on('tlsClientError', lambda err, s: refused.append(err.code))
    clients = {}
    for label, options in (('none', {}),
                           ('signed', {'key': tls_certs.other_key, 'cert': tls_certs.other_cert}),
                           ('self', {'key': tls_certs.self_key, 'cert': tls_certs.self_cert})):
        log = clients[label] = []
        sock = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, servername='localhost', **options)
        record_events(sock, log, ['secureConnect', 'data', 'end', 'error'])
        sock.on('close', lambda _, log=log: (log.append(('close',)), len(
            [l for l in clients.values() if ('close',) in l]) == 3 and server.close()))
    run_loop()
    assert accepted == [(True, 'other.test')]
    assert sorted(refused) == ['ECONNRESET', 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE']
    assert ('data', b'hi') in clients['signed']
    assert event_names(clients['self'])[:1] == ['secureConnect'] and 'error' not in \
        event_names(clients['self'])


def test_request_cert_without_reject_reports_the_clients_failure(tls_server, tls_certs, run_loop):
    """Node, server {requestCert: true, rejectUnauthorized: false}: a
    self-signed client certificate is accepted with authorized === false,
    authorizationError 'DEPTH_ZERO_SELF_SIGNED_CERT'; no certificate at all:
    'UNABLE_TO_GET_ISSUER_CERT'."""
    seen = []
    server, port = tls_server(lambda s: (seen.append((s.authorized, s.authorizationError)),
                                         s.end()),
                              ca=tls_certs.ca, requestCert=True, rejectUnauthorized=False)
    closed = []
    for options in ({'key': tls_certs.self_key, 'cert': tls_certs.self_cert}, {}):
        sock = tls.connect(port, 'localhost', ca=tls_certs.ca, **options)
        sock.resume()
        sock.on('close', lambda _: (closed.append(1), len(closed) == 2 and server.close()))
    run_loop()
    assert sorted(seen) == [(False, 'DEPTH_ZERO_SELF_SIGNED_CERT'),
                            (False, 'UNABLE_TO_GET_ISSUER_CERT')]


def test_oversized_client_hello_is_a_clean_error(tls_server, run_loop):
    """Node: 1 MiB starting with a handshake record header of length 0xffff
    -> 'tlsClientError' ERR_SSL_PACKET_LENGTH_TOO_LONG, the peer closed."""
    server, port = tls_server()
    seen = []
    server.on('tlsClientError', lambda err, s: seen.append(err.code))
    hello = bytearray(b'A' * (1 << 20))
    hello[:9] = bytes([0x16, 3, 1, 0xff, 0xff, 1, 0xff, 0xff, 0xff])
    raw = net.connect(port, '127.0.0.1')
    raw.write(hello)
    raw.resume()
    raw.on('error', lambda err: None)
    raw.on('close', lambda _: (seen.append('peer closed'), server.close()))
    run_loop()
    assert seen == ['ERR_SSL_PACKET_LENGTH_TOO_LONG', 'peer closed']


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_session_resumption(tls_server, tls_certs, run_loop, version):
    """Node: a second connect({session: first.getSession()}) resumes:
    isSessionReused() === true (first: false).  (The TLS 1.3 ticket comes
    after the handshake: the session is taken once data has arrived.)"""
    server, port = tls_server(lambda s: s.end(b'x'))
    reused = []

    def connect(session=None):
        sock = tls.connect(port, 'localhost', ca=tls_certs.ca, maxVersion=version,
                           session=session)
        sock.on('data', lambda _: None)
        sock.on('end', lambda: reused.append(sock.isSessionReused()))
        if session is None:
            sock.on('end', lambda: connect(sock.getSession()))
        else:
            sock.on('close', lambda _: server.close())
    connect()
    run_loop()
    assert reused == [False, True]


def test_get_certificate_is_this_ends_certificate(tls_server, tls_certs, run_loop):
    """Node: on the server, s.getCertificate().subject.CN is its own
    certificate's; a client without a certificate gets {}."""
    seen = []
    server, port = tls_server(lambda s: (seen.append(s.getCertificate().subject.CN), s.end()))
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.on('secureConnect', lambda: seen.append(client.getCertificate()))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert sorted(seen, key=str) == [{}, 'localhost']


def test_connection_refused_is_the_tls_sockets_error(run_loop):
    """Node: tls.connect to a closed port -> 'error' ECONNREFUSED, then
    'close'(true), no 'secureConnect'."""
    probe = net.createServer()
    probe.listen(0, '127.0.0.1')
    port = probe.address().port
    probe.close()
    log = []
    client = tls.connect(port, '127.0.0.1')
    record_events(client, log, ['secureConnect', 'error', 'close'])
    run_loop()
    assert event_names(log) == ['error', 'close']
    assert log[0][1].code == 'ECONNREFUSED' and log[1][1] is True


def test_root_certificates_are_pem_texts():
    """Node: tls.rootCertificates is an array of PEM strings (here the
    system's trusted roots, as OpenSSL finds them)."""
    roots = tls.rootCertificates
    assert isinstance(roots, tuple) and roots is tls.root_certificates
    assert all(r.startswith('-----BEGIN CERTIFICATE-----') for r in roots)


@linux_only
def test_many_failed_and_good_handshakes_leave_no_descriptor_behind(tls_server, tls_certs, run_loop):
    """Safety: 60 connections, a third sending garbage, a third leaving
    mid-handshake, a third completing: every one ends in 'close', the
    server stays up, and the process holds no more descriptors than before."""
    server, port = tls_server(lambda s: s.end(b'ok'))
    # Counted once listening: libuv's loop then holds its spare /dev/null fd.
    before = len(os.listdir('/proc/self/fd'))
    server.on('tlsClientError', lambda err, s: None)
    closed = []

    def done(_=None):
        closed.append(1)
        if len(closed) == 60:
            server.close()
    for i in range(60):
        if i % 3 == 2:
            # An IP address: no lookup, whose thread pool would add its own fd.
            sock = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, servername='localhost')
            sock.resume()
        else:
            sock = net.connect(port, '127.0.0.1')
            sock.resume()
            sock.on('error', lambda err: None)
            sock.end(bytes([9]) * 64 if i % 3 == 0 else bytes([0x16, 3, 1, 0, 200, 1]))
        sock.on('close', done)
    run_loop(timeout=20)
    gc.collect()
    assert len(closed) == 60
    assert len(os.listdir('/proc/self/fd')) <= before


def test_the_guides_first_snippet_runs_as_documented(tls_certs, tmp_path, monkeypatch, capsys):
    """docs/TLS.md's server-and-client snippet, with a self-signed pair as
    key.pem/cert.pem, prints what the guide says."""
    guide_path = os.path.join(ROOT, 'docs', 'TLS.md')
    if not os.path.isfile(guide_path):
        pytest.skip("needs the source tree's docs/ (the wheels' tests run from a copy of tests/)")
    with open(guide_path) as f:
        guide = f.read()
    snippet = guide.split('```python\n', 1)[1].split('```', 1)[0]
    (tmp_path / 'key.pem').write_text(tls_certs.self_key)
    (tmp_path / 'cert.pem').write_text(tls_certs.self_cert)
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet, 'docs/TLS.md', 'exec'), {})
    assert capsys.readouterr().out.splitlines() == ['TLSv1.3 h2 localhost', "b'hello'"]


def test_connect_options_in_either_spelling_and_unknown_ones_refused(tls_certs):
    """pyuvnet's rule (SPEC 2): connect() takes Node's keys or snake_case
    keywords; an unknown key is ERR_INVALID_ARG_VALUE at once."""
    with pytest.raises(net.NodeError) as info:
        tls.connect(1, '127.0.0.1', colour='blue')
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    with pytest.raises(net.NodeError) as info:
        tls.connect({'port': 1, 'rejectUnauthorized': 'no'})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'

