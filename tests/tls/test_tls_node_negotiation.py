"""Node's own tls tests on what the two ends negotiate: versions, ALPN,
curves, the certificate picked (test/parallel/test-tls-*.js in
nodejs/node), ported: each row was first run under /usr/bin/node v20 with
certificates made by tests/tls/tls_certs_support.py, and each docstring names the Node
file."""
import pytest

import pyuvnet.tls as tls


def _handshake(tls_server, run_loop, server_options, client_options, on_secure=None):
    """Connect a client with ``client_options`` to a server with
    ``server_options`` -> (the client's outcome, the server's
    'tlsClientError' code or None).  The outcome is ('ok', protocol,
    alpnProtocol) or ('error', code); ``on_secure(client)`` adds to it."""
    outcome, server_error = [], []
    server, port = tls_server(lambda s: s.end(), **server_options)
    server.on('tlsClientError', lambda err, s: server_error.append(err.code))
    options = {'port': port, 'host': '127.0.0.1', 'rejectUnauthorized': False}
    options.update(client_options)
    client = tls.connect(options)
    client.on('secureConnect', lambda: outcome.append(
        ('ok', client.getProtocol(), client.alpnProtocol)
        + (on_secure(client) if on_secure else ())))
    client.on('error', lambda err: outcome.append(('error', err.code)))
    client.on('close', lambda _: server.close())
    run_loop()
    assert len(outcome) == 1 and len(server_error) <= 1
    return outcome[0], (server_error or [None])[0]


# (server options, client options, the client's outcome, the server's
# 'tlsClientError' code), as Node 20 printed them.
MIN_MAX_VERSION_TABLE = [
    ({}, {'minVersion': 'TLSv1.3'}, ('ok', 'TLSv1.3', False), None),
    ({'maxVersion': 'TLSv1.2'}, {'minVersion': 'TLSv1.3'},
     ('error', 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'), 'ERR_SSL_UNSUPPORTED_PROTOCOL'),
    ({'minVersion': 'TLSv1.3'}, {'maxVersion': 'TLSv1.2'},
     ('error', 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'), 'ERR_SSL_UNSUPPORTED_PROTOCOL'),
    ({'maxVersion': 'TLSv1.2'}, {}, ('ok', 'TLSv1.2', False), None),
    ({}, {'maxVersion': 'TLSv1.2'}, ('ok', 'TLSv1.2', False), None),
    ({'minVersion': 'TLSv1.2', 'maxVersion': 'TLSv1.2'}, {'minVersion': 'TLSv1.2'},
     ('ok', 'TLSv1.2', False), None),
]


@pytest.mark.parametrize('server_options, client_options, outcome, server_error',
                         MIN_MAX_VERSION_TABLE)
def test_min_and_max_version_decide_the_protocol_or_fail_as_node(
        tls_server, run_loop, server_options, client_options, outcome, server_error):
    """test-tls-min-max-version.js (the rows OpenSSL's default security
    level leaves to TLS 1.2 and 1.3): the protocol both ends allow, or the
    client's ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION and the server's
    ERR_SSL_UNSUPPORTED_PROTOCOL when their ranges do not meet."""
    assert _handshake(tls_server, run_loop, server_options, client_options) == \
        (outcome, server_error)


# test-tls-alpn-server-client.js: (server ALPNProtocols, client
# ALPNProtocols, the client's alpnProtocol or its error, the server's).
ALPN_TABLE = [
    (['a', 'b', 'c'], ['a', 'b', 'c'], 'a', None),
    (['a', 'b', 'c'], ['c', 'b', 'e'], 'b', None),
    (['a', 'b', 'c'], ['first-priority-unsupported', 'x', 'y'],
     ('error', 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL'), 'ERR_SSL_NO_APPLICATION_PROTOCOL'),
    (None, ['a', 'b', 'c'], False, None),
    (['a', 'b', 'c'], None, False, None),
    (b'\x01a\x01b', ['b'], 'b', None),
]


@pytest.mark.parametrize('server_protocols, client_protocols, result, server_error', ALPN_TABLE)
def test_alpn_picks_the_servers_first_protocol_the_client_offers(
        tls_server, run_loop, server_protocols, client_protocols, result, server_error):
    """test-tls-alpn-server-client.js: the server's order decides ('a','b','c'
    against 'c','b','e' -> 'b'); nothing in common fails the handshake
    with the no_application_protocol alert; one end without ALPN ->
    alpnProtocol false; ALPNProtocols given as wire bytes (b'\\x01a\\x01b')
    work as the list."""
    outcome, error = _handshake(tls_server, run_loop, {'ALPNProtocols': server_protocols},
                                {'ALPNProtocols': client_protocols})
    if isinstance(result, tuple):
        assert (outcome, error) == (result, server_error)
    else:
        assert (outcome, error) == (('ok', 'TLSv1.3', result), None)


@pytest.mark.parametrize('server_curve, client_curve, name, size', [
    ('prime256v1', 'auto', 'prime256v1', 256),
    ('auto', 'P-384', 'secp384r1', 384),
    ('secp256k1:prime256v1:secp521r1', 'secp521r1', 'secp521r1', 521),
    ('X448', 'auto', 'X448', 448),
])
def test_ecdh_curve_lists_pick_the_key_exchange_group(tls_server, tls_certs, run_loop,
                                                      server_curve, client_curve, name, size):
    """test-tls-ecdh.js, test-tls-ecdh-auto.js, test-tls-ecdh-multiple.js:
    an RSA server at TLS 1.2 with ecdhCurve 'prime256v1', 'auto', a list,
    and a client's ecdhCurve: getEphemeralKeyInfo() on the client is
    {type: 'ECDH', name, size} of the group both allow, the cipher
    ECDHE-RSA-AES128-GCM-SHA256."""
    outcome, error = _handshake(
        tls_server, run_loop,
        {'key': tls_certs.rsa_key, 'cert': tls_certs.rsa_cert, 'ecdhCurve': server_curve,
         'maxVersion': 'TLSv1.2'},
        {'ecdhCurve': client_curve},
        lambda client: (dict(client.getEphemeralKeyInfo()), client.getCipher().name))
    assert (outcome, error) == (('ok', 'TLSv1.2', False, {'type': 'ECDH', 'name': name,
                                                          'size': size},
                                 'ECDHE-RSA-AES128-GCM-SHA256'), None)


@pytest.mark.parametrize('client_cipher, bits', [('ECDHE-ECDSA-AES256-GCM-SHA384', 256),
                                                 ('ECDHE-RSA-AES256-GCM-SHA384', 2048)])
@pytest.mark.parametrize('order', ['ec first', 'rsa first'])
def test_a_server_with_two_keys_serves_the_certificate_the_cipher_needs(
        tls_server, tls_certs, run_loop, client_cipher, bits, order):
    """test-tls-multi-key.js: key: [ecdsa, rsa], cert: [ecdsa, rsa] (in
    either order): a client that allows only an ECDSA suite gets the
    P-256 certificate (bits 256), one that allows only an RSA suite the
    RSA one (bits 2048), the suite it asked for."""
    keys, certs = [tls_certs.key, tls_certs.rsa_key], [tls_certs.cert, tls_certs.rsa_cert]
    if order == 'rsa first':
        keys, certs = keys[::-1], certs[::-1]
    outcome, error = _handshake(
        tls_server, run_loop, {'key': keys, 'cert': certs},
        {'ciphers': client_cipher, 'maxVersion': 'TLSv1.2'},
        lambda client: (client.getPeerCertificate().bits, client.getCipher().name))
    assert (outcome, error) == (('ok', 'TLSv1.2', False, bits, client_cipher), None)


def test_a_key_that_is_not_the_certificates_is_key_values_mismatch(tls_certs):
    """test-tls-key-mismatch.js: key and cert of two different EC key
    pairs -> ERR_OSSL_X509_KEY_VALUES_MISMATCH, 'key values mismatch' in
    the message."""
    with pytest.raises(Exception) as info:
        tls.createServer({'key': tls_certs.other_key, 'cert': tls_certs.cert})
    assert info.value.code == 'ERR_OSSL_X509_KEY_VALUES_MISMATCH'
    assert 'key values mismatch' in str(info.value)


@pytest.mark.parametrize('options, outcome', [
    ({'secureProtocol': 'TLSv1_2_method'}, ('ok', 'TLSv1.2', False)),
    ({'secureProtocol': 'TLS_client_method'}, ('ok', 'TLSv1.3', False)),
    ({'secureProtocol': 'TLSv1_1_method'}, ('error', 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')),
    ({'secureOptions': 0x20000000}, ('ok', 'TLSv1.2', False)),     # SSL_OP_NO_TLSv1_3
])
def test_secure_protocol_and_secure_options_limit_the_client(tls_server, run_loop, options,
                                                            outcome):
    """test-tls-getprotocol.js, test-tls-min-max-version.js (their
    secureProtocol rows): 'TLSv1_2_method' -> TLSv1.2, 'TLS_client_method'
    -> TLSv1.3, 'TLSv1_1_method' against Node's default server ->
    ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION; secureOptions
    SSL_OP_NO_TLSv1_3 (0x20000000) -> TLSv1.2."""
    outcome_seen, _ = _handshake(tls_server, run_loop, {}, options)
    assert outcome_seen == outcome


@pytest.mark.parametrize('options, code, message', [
    ({'secureProtocol': 'TLSv1_3_method'}, 'ERR_TLS_INVALID_PROTOCOL_METHOD',
     'Unknown method: TLSv1_3_method'),
    ({'secureProtocol': 'SSLv3_method'}, 'ERR_TLS_INVALID_PROTOCOL_METHOD',
     'SSLv3 methods disabled'),
    ({'secureProtocol': 'SSLv2_server_method'}, 'ERR_TLS_INVALID_PROTOCOL_METHOD',
     'SSLv2 methods disabled'),
    ({'secureProtocol': 'TLSv1_2_method', 'minVersion': 'TLSv1.2'},
     'ERR_TLS_PROTOCOL_VERSION_CONFLICT',
     'TLS protocol version "TLSv1.2" conflicts with secureProtocol "TLSv1_2_method"'),
    ({'secureProtocol': 'TLSv1_2_method', 'maxVersion': 'TLSv1.3'},
     'ERR_TLS_PROTOCOL_VERSION_CONFLICT',
     'TLS protocol version "TLSv1.3" conflicts with secureProtocol "TLSv1_2_method"'),
    ({'secureOptions': 'x'}, 'ERR_INVALID_ARG_TYPE',
     'The "secureOptions" argument must be of type number. Received type str'),
    ({'secureOptions': 1.5}, 'ERR_OUT_OF_RANGE',
     'The value of "secureOptions" is out of range. It must be an integer. Received 1.5'),
])
def test_bad_secure_protocol_and_secure_options_raise_nodes_errors(options, code, message):
    """test-tls-basic-validations.js, test-tls-min-max-version.js: Node
    20's createSecureContext() throws these TypeErrors/RangeErrors at once;
    'SSLv23_method', 'TLSv1_method', secureOptions -1 and 2**32 are
    accepted."""
    with pytest.raises((TypeError, ValueError)) as info:
        tls.createSecureContext(options)
    assert info.value.code == code and str(info.value).startswith(message)
    for fine in ({'secureProtocol': 'SSLv23_method'}, {'secureProtocol': 'TLSv1_method'},
                 {'secureOptions': -1}, {'secureOptions': 2 ** 32}, {'secureProtocol': 1}):
        assert isinstance(tls.createSecureContext(fine), tls.SecureContext)


@pytest.mark.parametrize('honor, name', [(True, 'AES256-SHA256'), (None, 'AES256-SHA256'),
                                         (False, 'AES128-SHA256')])
def test_honor_cipher_order_lets_the_servers_order_decide(tls_server, tls_certs, run_loop,
                                                          honor, name):
    """test-tls-honorcipherorder.js: a TLS 1.2 server listing
    'AES256-SHA256:AES128-SHA256', a client 'AES128-SHA256:AES256-SHA256':
    honorCipherOrder true, or not given (a tls.Server's default) ->
    AES256-SHA256; false -> the client's AES128-SHA256."""
    server_options = {'key': tls_certs.rsa_key, 'cert': tls_certs.rsa_cert,
                      'ciphers': 'AES256-SHA256:AES128-SHA256', 'maxVersion': 'TLSv1.2'}
    if honor is not None:
        server_options['honorCipherOrder'] = honor
    outcome, error = _handshake(tls_server, run_loop, server_options,
                                {'ciphers': 'AES128-SHA256:AES256-SHA256'},
                                lambda client: (client.getCipher().name,))
    assert (outcome, error) == (('ok', 'TLSv1.2', False, name), None)
