"""Differences from Node 20 observed in pyuvnet.tls (issue 23), each pinned
to what Node 20 does (the JavaScript, run under /usr/bin/node v20, or the
Node test file, in each docstring)."""
import pytest

import pyuvnet.tls as tls


@pytest.mark.parametrize('how', ['positional', 'options', 'servername'])
def test_sni_goes_out_only_for_an_explicit_servername(tls_server, tls_certs, run_loop, how):
    """Node 20: tls.connect(port, 'localhost', {ca}) and
    tls.connect({port, host: 'localhost', ca}) send no SNI: the client's
    and the server's servername are false, and the client is still
    authorized (the certificate is checked against the host); with
    servername: 'localhost' both ends say 'localhost'."""
    seen = {}
    server, port = tls_server(lambda s: (seen.setdefault('server', s.servername), s.end()))
    if how == 'positional':
        client = tls.connect(port, 'localhost', {'ca': tls_certs.ca})
    elif how == 'options':
        client = tls.connect({'port': port, 'host': 'localhost', 'ca': tls_certs.ca})
    else:
        client = tls.connect(port, 'localhost', ca=tls_certs.ca, servername='localhost')
    client.on('secureConnect', lambda: seen.update(client=client.servername,
                                                   authorized=client.authorized))
    client.on('close', lambda _: server.close())
    run_loop()
    name = 'localhost' if how == 'servername' else False
    assert seen == {'client': name, 'server': name, 'authorized': True}


@pytest.mark.parametrize('side', ['client', 'server'])
def test_end_callback_runs_before_finish_listeners(tls_server, tls_certs, run_loop, side):
    """Node 20, on a TLSSocket as on a net.Socket (Writable's end(cb)):
        s.on('finish', () => log('finish')); s.end('data', () => log('end cb'))
    logs 'end cb' then 'finish'."""
    order = []

    def finish(sock):
        sock.on('finish', lambda: order.append('finish'))
        sock.end(b'data', lambda *err: order.append('end cb'))
    server, port = tls_server((lambda s: (s.resume(), finish(s))) if side == 'server'
                              else (lambda s: s.resume()))
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    if side == 'client':
        client.on('secureConnect', lambda: finish(client))
    client.resume()
    client.on('end', client.end)
    client.on('close', lambda _: server.close())
    run_loop()
    assert order == ['end cb', 'finish']


# (host, cert, Node 20's reason or None): tls.checkServerIdentity(host, cert)
# run under /usr/bin/node v20 for each row; the rows of Node's
# test/parallel/test-tls-check-server-identity.js, and more.
CHECK_SERVER_IDENTITY_TABLE = [
    ('a.com', {'subject': {'CN': 'a.com'}},
     None),
    ('a.com', {'subject': {'CN': 'A.COM'}},
     None),
    ('a.com', {'subject': {'CN': 'b.com'}},
     "Host: a.com. is not cert's CN: b.com"),
    ('a.com', {'subject': {'CN': 'a.com.'}},
     None),
    ('b.a.com', {'subject': {'CN': '*.a.com'}},
     None),
    ('b.a.com', {'subjectaltname': 'DNS:omg.com', 'subject': {'CN': '*.a.com'}},
     "Host: b.a.com. is not in the cert's altnames: DNS:omg.com"),
    ('foo.com', {'subject': {'CN': ['foo.com', 'bar.com']}},
     None),
    ('a.com', {'subjectaltname': 'DNS:*', 'subject': {'CN': 'b.com'}},
     "Host: a.com. is not in the cert's altnames: DNS:*"),
    ('a.com', {'subjectaltname': 'DNS:*.com', 'subject': {'CN': 'b.com'}},
     "Host: a.com. is not in the cert's altnames: DNS:*.com"),
    ('a.co.uk', {'subjectaltname': 'DNS:*.co.uk', 'subject': {'CN': 'b.com'}},
     None),
    ('a.com', {'subjectaltname': 'DNS:*.a.com', 'subject': {'CN': 'a.com'}},
     "Host: a.com. is not in the cert's altnames: DNS:*.a.com"),
    ('a.com', {'subjectaltname': 'DNS:a.com', 'subject': {'CN': 'b.com'}},
     None),
    ('a.com', {'subjectaltname': 'DNS:A.COM', 'subject': {'CN': 'b.com'}},
     None),
    ('b.a.com', {'subjectaltname': 'DNS:*.a.com', 'subject': {}},
     None),
    ('c.b.a.com', {'subjectaltname': 'DNS:*.a.com', 'subject': {}},
     "Host: c.b.a.com. is not in the cert's altnames: DNS:*.a.com"),
    ('b.a.com', {'subjectaltname': 'DNS:*b.a.com', 'subject': {}},
     None),
    ('a-cb.a.com', {'subjectaltname': 'DNS:*b.a.com', 'subject': {}},
     None),
    ('a.b.a.com', {'subjectaltname': 'DNS:*b.a.com', 'subject': {}},
     "Host: a.b.a.com. is not in the cert's altnames: DNS:*b.a.com"),
    ('ab.a.com', {'subjectaltname': 'DNS:a*.a.com', 'subject': {}},
     None),
    ('a.a.com', {'subjectaltname': 'DNS:a*.a.com', 'subject': {}},
     None),
    ('axb.a.com', {'subjectaltname': 'DNS:a*b.a.com', 'subject': {}},
     None),
    ('ab.a.com', {'subjectaltname': 'DNS:a*b.a.com', 'subject': {}},
     None),
    ('a.a.com', {'subjectaltname': 'DNS:a*a*.a.com', 'subject': {}},
     "Host: a.a.com. is not in the cert's altnames: DNS:a*a*.a.com"),
    ('xn--x.a.com', {'subjectaltname': 'DNS:xn--*.a.com', 'subject': {}},
     "Host: xn--x.a.com. is not in the cert's altnames: DNS:xn--*.a.com"),
    ('b.a.com', {'subjectaltname': 'DNS:b.*.com', 'subject': {}},
     "Host: b.a.com. is not in the cert's altnames: DNS:b.*.com"),
    ('a.b.a.com', {'subjectaltname': 'DNS:*b.a.com, DNS:a.b.a.com', 'subject': {}},
     None),
    ('a.b.a.com', {'subjectaltname': 'URI:http://a.b.a.com/', 'subject': {}},
     'Cert does not contain a DNS name'),
    ('a.b.a.com', {'subjectaltname': 'URI:http://*.b.a.com/', 'subject': {}},
     'Cert does not contain a DNS name'),
    ('a.b.a.com', {'subjectaltname': 'IP Address:127.0.0.1', 'subject': {}},
     'Cert does not contain a DNS name'),
    ('127.0.0.1', {'subjectaltname': 'IP Address:127.0.0.1', 'subject': {}},
     None),
    ('127.0.0.2', {'subjectaltname': 'IP Address:127.0.0.1', 'subject': {}},
     "IP: 127.0.0.2 is not in the cert's list: 127.0.0.1"),
    ('127.0.0.1', {'subjectaltname': 'DNS:a.com', 'subject': {}},
     "IP: 127.0.0.1 is not in the cert's list: "),
    ('localhost', {'subjectaltname': 'DNS:a.com', 'subject': {'CN': 'localhost'}},
     "Host: localhost. is not in the cert's altnames: DNS:a.com"),
    ('b.a.com', {'subjectaltname': 'DNS:bad..a.com', 'subject': {}},
     "Host: b.a.com. is not in the cert's altnames: DNS:bad..a.com"),
    ('b.a.com.', {'subjectaltname': 'DNS:*.a.com', 'subject': {}},
     None),
    ('B.A.COM', {'subjectaltname': 'DNS:*.a.com', 'subject': {}},
     None),
    ('b.a.com', {'subjectaltname': 'DNS:*.a.com.', 'subject': {}},
     None),
    ('é.a.com', {'subjectaltname': 'DNS:*.a.com', 'subject': {}},
     None),
    ('b.a.com', {'subjectaltname': 'DNS:é.a.com', 'subject': {}},
     "Host: b.a.com. is not in the cert's altnames: DNS:é.a.com"),
    ('b.a.com', {'subject': {}},
     'Cert does not contain a DNS name'),
    ('b.a.com', {},
     'Cert does not contain a DNS name'),
    ('.a.com', {'subjectaltname': 'DNS:*.a.com', 'subject': {}},
     None),
]


@pytest.mark.parametrize('host, cert, reason', CHECK_SERVER_IDENTITY_TABLE)
def test_check_server_identity_answers_as_node(host, cert, reason):
    """Node 20's tls.checkServerIdentity(host, cert): undefined, or an error
    whose reason is the table's; among them the partial-label wildcard of
    test-tls-check-server-identity.js: DNS:*b.a.com matches b.a.com and
    a-cb.a.com, not a.b.a.com."""
    error = tls.checkServerIdentity(host, cert)
    assert (error.reason if error is not None else None) == reason
    if error is not None:
        assert error.code == 'ERR_TLS_CERT_ALTNAME_INVALID' and error.host == host


@pytest.mark.parametrize('host', ['127.0.0.1', 'localhost'])
def test_a_client_reset_during_the_handshake_names_host_and_port(host, run_loop):
    """Node 20: a server that drops the connection at once;
    tls.connect({port, host}).on('error', e) -> e.code 'ECONNRESET',
    e.message 'Client network socket disconnected before secure TLS
    connection was established', e.host the host given, e.port the port."""
    import pyuvnet as net
    server = net.createServer(lambda sock: sock.destroy())
    server.listen(0, '127.0.0.1')
    port = server.address().port
    seen = []
    client = tls.connect({'port': port, 'host': host})
    client.on('error', lambda err: seen.append((err.code, str(err), err.host, err.port)))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [('ECONNRESET', 'Client network socket disconnected before secure TLS '
                     'connection was established', host, port)]


def test_an_sni_callback_refusal_is_the_servers_tls_client_error(tls_server, tls_certs,
                                                                 run_loop):
    """Node 20: SNICallback: (name, cb) => cb(myErr) makes the server emit
    'tlsClientError' with myErr itself (same object, its code and message),
    no 'secureConnection'; the client's 'error' is ECONNRESET 'Client
    network socket disconnected before secure TLS connection was
    established' (the server drops the connection, no alert)."""
    refusal = RuntimeError('no such name')
    refusal.code = 'MY_CODE'
    seen = []
    server, port = tls_server(lambda s: seen.append('secureConnection'),
                              SNICallback=lambda name, cb: cb(refusal))
    server.on('tlsClientError', lambda err, sock: seen.append(('server', err)))
    client = tls.connect(port, '127.0.0.1', servername='x.test', ca=tls_certs.ca)
    client.on('error', lambda err: seen.append(('client', err.code, str(err))))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen[0] == ('server', refusal)
    assert seen[1:] == [('client', 'ECONNRESET', 'Client network socket disconnected before '
                         'secure TLS connection was established')]


def test_the_tls_module_defaults_and_cipher_list_are_nodes():
    """Node 20: tls.getCiphers() is 62 lower-case names, sorted, with the
    five TLS 1.3 suites ('tls_aes_128_ccm_8_sha256', ...); tls.DEFAULT_ECDH_CURVE
    'auto'; tls.DEFAULT_CIPHERS starts 'TLS_AES_256_GCM_SHA384:'; the
    version defaults 'TLSv1.2' and 'TLSv1.3'."""
    names = tls.getCiphers()
    assert names == sorted(set(names)) and all(name == name.lower() for name in names)
    assert {'tls_aes_128_ccm_8_sha256', 'tls_aes_256_gcm_sha384', 'aes128-gcm-sha256',
            'ecdhe-ecdsa-aes128-gcm-sha256'} <= set(names)
    assert tls.get_ciphers() == names
    assert tls.DEFAULT_ECDH_CURVE == 'auto'
    assert tls.DEFAULT_CIPHERS.startswith('TLS_AES_256_GCM_SHA384:') and \
        tls.DEFAULT_CIPHERS.endswith(':!CAMELLIA')
    assert (tls.DEFAULT_MIN_VERSION, tls.DEFAULT_MAX_VERSION) == ('TLSv1.2', 'TLSv1.3')


@pytest.mark.parametrize('name, value, code', [
    ('DEFAULT_MIN_VERSION', 'TLSv1.3', None), ('DEFAULT_MIN_VERSION', 'TLSv9',
                                               'ERR_TLS_INVALID_PROTOCOL_VERSION'),
    ('DEFAULT_MAX_VERSION', 'TLSv1.2', None), ('DEFAULT_CIPHERS', 'garbage',
                                               'ERR_SSL_NO_CIPHER_MATCH'),
    ('DEFAULT_ECDH_CURVE', 'garbage', 'ERR_CRYPTO_OPERATION_FAILED'),
])
def test_the_tls_module_defaults_are_settable(monkeypatch, tls_server, tls_certs, run_loop,
                                              name, value, code):
    """Node 20: tls.DEFAULT_MIN_VERSION = 'TLSv1.3' (and the others) is read
    by every later createSecureContext(): a client then negotiates within
    it; a value that is no version/cipher/curve makes the next context
    throw Node's code."""
    monkeypatch.setattr(tls, name, value)
    if code is not None:
        with pytest.raises(Exception) as info:
            tls.createSecureContext()
        assert getattr(info.value, 'code', None) == code
        return
    server, port = tls_server(lambda s: s.end(), minVersion='TLSv1.2', maxVersion='TLSv1.3')
    seen = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.on('secureConnect', lambda: seen.append(client.getProtocol()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [value]


@pytest.mark.parametrize('offered, outcome', [
    (['http/1.1'], ('error', 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL',
                    'ERR_SSL_NO_APPLICATION_PROTOCOL')),
    (None, ('secure', False)), (['http/1.1', 'h2'], ('secure', 'h2')),
])
def test_alpn_with_no_protocol_in_common_fails_the_handshake(tls_server, tls_certs, run_loop,
                                                             offered, outcome):
    """Node 20, server ALPNProtocols ['h2']: a client offering ['http/1.1']
    fails with ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL and the server's
    'tlsClientError' is ERR_SSL_NO_APPLICATION_PROTOCOL (OpenSSL's
    no_application_protocol alert, from Node's ALPN select callback); a
    client offering none connects with alpnProtocol false; one offering
    ['http/1.1', 'h2'] gets 'h2'."""
    seen = []
    server, port = tls_server(lambda s: s.end(), ALPNProtocols=['h2'])
    server.on('tlsClientError', lambda err, sock: seen.append(err.code))
    client = tls.connect(port, 'localhost', ca=tls_certs.ca, ALPNProtocols=offered)
    client.on('secureConnect', lambda: seen.append(('secure', client.alpnProtocol)))
    client.on('error', lambda err: seen.insert(0, ('error', err.code)))
    client.on('close', lambda _: server.close())
    run_loop()
    if outcome[0] == 'error':
        assert sorted(seen, key=str) == sorted([outcome[:2], outcome[2]], key=str)
    else:
        assert seen == [outcome]


_NODE_RSA_ORDER = ['subject', 'issuer', 'subjectaltname', 'infoAccess', 'ca', 'modulus', 'bits',
                   'exponent', 'pubkey', 'valid_from', 'valid_to', 'fingerprint',
                   'fingerprint256', 'fingerprint512', 'ext_key_usage', 'serialNumber', 'raw']


def _openssl(*args, cwd):
    import subprocess
    from tls_certs_support import OPENSSL
    return subprocess.run([OPENSSL] + list(args), cwd=cwd, check=True, capture_output=True).stdout


def test_certificate_key_and_extension_fields_are_nodes(tls_certs, tmp_path):
    """Node 20's getPeerCertificate() of an RSA certificate with
    extendedKeyUsage serverAuth,clientAuth, authorityInfoAccess OCSP and
    caIssuers URIs and basicConstraints CA:FALSE: the fields in the order
    of _NODE_RSA_ORDER; modulus in upper-case hex, exponent '0x10001',
    bits 2048, pubkey the SubjectPublicKeyInfo DER; ext_key_usage
    ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']; infoAccess {'OCSP - URI':
    [...], 'CA Issuers - URI': [...]}; ca false.  (Compared with Node's
    own output for the same certificate.)"""
    import base64
    import ssl
    from pyuvnet.tls._certificates import certificate_record
    _openssl('req', '-x509', '-new', '-key', tls_certs.path('rsa.key'), '-subj', '/CN=ext.test',
             '-days', '2', '-out', 'ext.pem', '-addext', 'extendedKeyUsage=serverAuth,clientAuth',
             '-addext', 'authorityInfoAccess=OCSP;URI:http://ocsp.example/,'
             'caIssuers;URI:http://ca.example/ca.crt',
             '-addext', 'basicConstraints=critical,CA:FALSE',
             '-addext', 'subjectAltName=DNS:ext.test', cwd=tmp_path)
    der = ssl.PEM_cert_to_DER_cert((tmp_path / 'ext.pem').read_text())
    record = certificate_record(der)
    assert list(record) == _NODE_RSA_ORDER
    modulus = _openssl('x509', '-in', 'ext.pem', '-noout', '-modulus', cwd=tmp_path)
    assert record['modulus'] == modulus.decode().strip().split('=', 1)[1]
    assert (record['bits'], record['exponent'], record['ca']) == (2048, '0x10001', False)
    spki = _openssl('x509', '-in', 'ext.pem', '-noout', '-pubkey', cwd=tmp_path).decode()
    assert record['pubkey'] == base64.b64decode(''.join(spki.strip().splitlines()[1:-1]))
    assert record['ext_key_usage'] == ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']
    assert record['infoAccess'] == {'OCSP - URI': ['http://ocsp.example/'],
                                    'CA Issuers - URI': ['http://ca.example/ca.crt']}


def test_peer_certificate_of_an_ec_chain_has_nodes_key_fields(tls_server, tls_certs, run_loop):
    """Node 20's getPeerCertificate(true) for the CA-signed ECDSA P-256
    leaf: bits 256, pubkey the 65-byte uncompressed point (0x04...),
    asn1Curve 'prime256v1', nistCurve 'P-256', ca false (no
    basicConstraints), no modulus; its issuer, the CA, has ca true."""
    seen = []
    server, port = tls_server(lambda s: s.end())
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.on('secureConnect', lambda: seen.append(client.getPeerCertificate(True)))
    client.on('close', lambda _: server.close())
    run_loop()
    leaf = seen[0]
    assert (leaf['bits'], leaf['asn1Curve'], leaf['nistCurve'], leaf['ca']) == \
        (256, 'prime256v1', 'P-256', False)
    assert len(leaf['pubkey']) == 65 and leaf['pubkey'][0] == 4 and 'modulus' not in leaf
    assert list(leaf)[:7] == ['subject', 'issuer', 'subjectaltname', 'ca', 'bits', 'pubkey',
                              'asn1Curve']
    assert leaf['issuerCertificate']['ca'] is True


@pytest.mark.parametrize('server_options, client_options, outcome', [
    ({'ciphers': 'TLS_CHACHA20_POLY1305_SHA256'}, {}, 'TLS_CHACHA20_POLY1305_SHA256'),
    ({}, {'ciphers': 'TLS_AES_128_GCM_SHA256'}, 'TLS_AES_128_GCM_SHA256'),
    ({'ciphers': 'TLS_AES_128_GCM_SHA256'}, {'ciphers': 'TLS_CHACHA20_POLY1305_SHA256'},
     'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'),
    ({'ecdhCurve': 'P-256'}, {'ecdhCurve': 'P-384'}, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'),
    ({'ecdhCurve': 'P-256:P-384'}, {'ecdhCurve': 'P-384'}, 'TLS_AES_256_GCM_SHA384'),
    ({'ecdhCurve': 'X25519'}, {'ecdhCurve': 'P-256:X25519'}, 'TLS_AES_256_GCM_SHA384'),
])
def test_tls13_suites_and_curve_lists_restrict_the_handshake(tls_server, run_loop,
                                                             server_options, client_options,
                                                             outcome):
    """Node 20 (a server and a client with these options, TLS 1.3):
    ciphers 'TLS_CHACHA20_POLY1305_SHA256' on the server -> that suite;
    'TLS_AES_128_GCM_SHA256' on the client -> that one; no suite in common
    -> the client's ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE; ecdhCurve
    'P-256' against 'P-384' fails the same way, a list with one group in
    common connects."""
    seen = []
    server, port = tls_server(lambda s: s.end(), **server_options)
    server.on('tlsClientError', lambda err, sock: None)
    client = tls.connect(port, '127.0.0.1', rejectUnauthorized=False, **client_options)
    client.on('secureConnect', lambda: seen.append(client.getCipher().name))
    client.on('error', lambda err: seen.append(err.code))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [outcome]
