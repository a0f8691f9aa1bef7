"""Node 20's key list with per-key passphrases (issue 42):
``key: [{'pem': ..., 'passphrase': ...}, ...]``, each item a key alone or
an object with its own passphrase (else the ``passphrase`` option), beside
``cert``, ``ca`` and ``pfx`` lists; and the errors Node gives for a bad
item.  Node 20's answers were taken with `node -e` and
tls.createSecureContext() on the same kinds of keys: an ECDSA key and an
RSA one, each encrypted with a passphrase of its own."""
import pytest

import pyuvnet.tls as tls

_BAD_DECRYPT = ('ERR_OSSL_BAD_DECRYPT', 'Provider routines', 'bad decrypt',
                'error:1C800064:Provider routines::bad decrypt')


def _pairs(certs, ec, rsa):
    return {'key': [ec, rsa], 'cert': [certs.cert, certs.rsa_cert]}


def test_each_key_decrypts_with_its_own_passphrase(tls_certs):
    """Node: createSecureContext({key: [{pem, passphrase}, {pem, passphrase}],
    cert: [ecCert, rsaCert]}) succeeds."""
    tls.createSecureContext(_pairs(
        tls_certs, {'pem': tls_certs.key_pkcs8_encrypted, 'passphrase': tls_certs.PASSPHRASE},
        {'pem': tls_certs.rsa_key_encrypted.encode(), 'passphrase': tls_certs.RSA_PASSPHRASE}))


def test_an_item_without_its_own_passphrase_takes_the_options(tls_certs):
    """Node: {pem} alone, or a bare key, uses the passphrase option; a key
    whose passphrase that is not is ERR_OSSL_BAD_DECRYPT."""
    tls.createSecureContext(dict(_pairs(
        tls_certs, {'pem': tls_certs.key_pkcs8_encrypted},
        {'pem': tls_certs.rsa_key_encrypted, 'passphrase': tls_certs.RSA_PASSPHRASE}),
        passphrase=tls_certs.PASSPHRASE))
    with pytest.raises(tls.TLSError) as info:
        tls.createSecureContext(dict(_pairs(tls_certs, tls_certs.key_pkcs8_encrypted,
                                            tls_certs.rsa_key_encrypted),
                                     passphrase=tls_certs.PASSPHRASE))
    error = info.value
    assert (error.code, error.library, error.reason, str(error)) == _BAD_DECRYPT


def test_a_wrong_passphrase_of_one_item_is_bad_decrypt(tls_certs):
    with pytest.raises(tls.TLSError) as info:
        tls.createSecureContext(_pairs(
            tls_certs, {'pem': tls_certs.key_pkcs8_encrypted, 'passphrase': 'wrong'},
            {'pem': tls_certs.rsa_key_encrypted, 'passphrase': tls_certs.RSA_PASSPHRASE}))
    error = info.value
    assert (error.code, error.library, error.reason, str(error)) == _BAD_DECRYPT
    assert not hasattr(error, 'function')       # Node 20 (OpenSSL 3) sets none


def test_one_key_item_with_one_certificate(tls_certs):
    tls.createSecureContext(key=[{'pem': tls_certs.key_pem_encrypted,
                                  'passphrase': tls_certs.PASSPHRASE}], cert=tls_certs.cert)


# Node 20's messages, from createSecureContext() with each value.
_ANY_KEY = ('string or an instance of Buffer, TypedArray, or DataView')


@pytest.mark.parametrize('options, message', [
    ({'key': [{'passphrase': 'x'}]},
     'The "options.key" property must be of type %s. Received an instance of dict' % _ANY_KEY),
    ({'key': [5]}, 'The "options.key" property must be of type %s. Received type int (5)' % _ANY_KEY),
    ({'key': {'pem': 'k'}},
     'The "options.key" property must be of type %s. Received an instance of dict' % _ANY_KEY),
    ({'key': [{'pem': 'k', 'passphrase': 5}]},
     'The "options.passphrase" property must be of type string. Received type int (5)'),
])
def test_bad_items_are_nodes_err_invalid_arg_type(tls_certs, options, message):
    with pytest.raises(TypeError) as info:
        tls.createSecureContext(dict(options, cert=tls_certs.cert))
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    assert str(info.value) == message


@pytest.mark.parametrize('ciphers, served', [('ECDHE-ECDSA-AES128-GCM-SHA256', 'cert'),
                                             ('ECDHE-RSA-AES128-GCM-SHA256', 'rsa_cert')])
def test_the_server_serves_the_certificate_of_the_clients_cipher(tls_certs, tls_server, run_loop,
                                                                 ciphers, served):
    """Both keys load, each into its type's slot: a TLS 1.2 client that
    offers only ECDSA or only RSA gets that certificate."""
    server, port = tls_server(lambda s: s.end(b'hi'), **_pairs(
        tls_certs, {'pem': tls_certs.key_pkcs8_encrypted, 'passphrase': tls_certs.PASSPHRASE},
        {'pem': tls_certs.rsa_key_encrypted, 'passphrase': tls_certs.RSA_PASSPHRASE}))
    seen = []
    client = tls.connect(port, 'localhost', ca=tls_certs.ca, maxVersion='TLSv1.2',
                         ciphers=ciphers)
    client.on('secureConnect', lambda: seen.append(client.getPeerX509Certificate()))
    client.on('data', lambda data: None)
    client.on('close', lambda had_error: server.close())
    run_loop()
    assert seen and seen[0].fingerprint256 == tls.X509Certificate(getattr(tls_certs, served)).fingerprint256


def test_root_certificates_are_printed_as_nodes():
    """Node 20: every entry of tls.rootCertificates ends with its END line,
    no newline after it (`node -p "tls.rootCertificates[0].slice(-30)"`)."""
    roots = tls.rootCertificates
    if not roots:
        pytest.skip('no system trust store here')
    assert all(root.endswith('\n-----END CERTIFICATE-----') for root in roots)
    assert all(root.startswith('-----BEGIN CERTIFICATE-----\n') for root in roots)
