"""PKCS#12 keys (``pfx``, ``passphrase``) in contexts, servers and
clients, pinned with /usr/bin/node v20 on blobs made by
``openssl pkcs12 -export``:

    tls.createSecureContext({pfx, passphrase: 'sesame'})   // ok
    tls.createSecureContext({pfx, passphrase: 'bad'})      // Error 'mac verify failure', no code
        // (pyuvnet: PKCS12Error, code ERR_OSSL_PKCS12_MAC_VERIFY_FAILURE)
    tls.createSecureContext({pfx})                          // the same
    tls.createSecureContext({pfx: Buffer.from('hello')})    // Error 'not enough data'
    tls.createSecureContext({pfx: Buffer.alloc(0)})         // Error 'not enough data'
    tls.createSecureContext({pfx: Buffer.from([0x30, 0x82])}) // Error 'header too long'
    tls.createSecureContext({pfx: pfx.toString('latin1')})  // Error 'header too long'
    tls.createSecureContext({pfx: [{buf: pfx}], passphrase: 'sesame'})           // ok
    tls.createSecureContext({pfx: [{buf: pfx, passphrase: 'x'}], passphrase: 'sesame'})
                                                            // Error 'mac verify failure'
    tls.createSecureContext({pfx: 5})      // ERR_CRYPTO_OPERATION_FAILED 'Unable to load PFX certificate'
    tls.createSecureContext({pfx: null}), ({pfx: []})       // ok, nothing loaded
    tls.connect({pfx: <leaf + CA>, rejectUnauthorized: false})  // authorized: the CA is trusted

Node's test: test/parallel/test-tls-pfx-authorizationerror.js (pfx on
both ends, the server asking for the client's certificate; the client's
getCertificate() asked again and again).
"""
import subprocess

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from tls_certs_support import OPENSSL

PASSWORD = 'sesame'


def pkcs12(tls_certs, name, password, with_ca=False):
    """A PKCS#12 blob of tls_certs' ``name`` key and certificate (and the CA)."""
    args = [OPENSSL, 'pkcs12', '-export', '-inkey', tls_certs.path(name + '.key'),
            '-in', tls_certs.path(name + '.pem'), '-passout', 'pass:' + password]
    if with_ca:
        args += ['-certfile', tls_certs.path('ca.pem')]
    return subprocess.run(args, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE).stdout


@pytest.fixture(scope='module')
def pfx(tls_certs):
    return pkcs12(tls_certs, 'leaf', PASSWORD)


def secure_exchange(run_loop, server_options, client_options):
    """(authorized, authorizationError, peer subject CN, data) of one
    connection to a server made with ``server_options``."""
    seen = {}
    server = tls.createServer(server_options, lambda s: s.end(b'hi'))
    server.listen(0, '127.0.0.1')
    client = tls.connect(dict(client_options, port=server.address().port, host='127.0.0.1'))

    def secure():
        seen['authorized'] = client.authorized
        seen['error'] = client.authorizationError
        seen['cn'] = client.getPeerCertificate().subject.CN
    client.on('secureConnect', secure)
    client.on('data', lambda data: seen.setdefault('data', data))
    client.on('close', lambda _: server.close())
    run_loop()
    return seen


def test_a_pfx_server_serves_its_certificate(tls_certs, pfx, run_loop):
    """Node: tls.createServer({pfx, passphrase}) presents the PKCS#12's
    certificate; a client trusting the CA is authorized."""
    seen = secure_exchange(run_loop, {'pfx': pfx, 'passphrase': PASSWORD}, {'ca': tls_certs.ca})
    assert seen == {'authorized': True, 'error': None, 'cn': 'localhost', 'data': b'hi'}


@pytest.mark.parametrize('passphrase', [None, 'bad', ''])
def test_a_wrong_or_missing_passphrase_is_mac_verify_failure(pfx, passphrase):
    """Node: an Error whose message is OpenSSL's reason (Node gives it no
    code; pyuvnet's errors all have one: OpenSSL's error in Node's naming)."""
    with pytest.raises(tls.PKCS12Error) as info:
        tls.createSecureContext(pfx=pfx, passphrase=passphrase)
    assert str(info.value) == 'mac verify failure'
    assert info.value.code == 'ERR_OSSL_PKCS12_MAC_VERIFY_FAILURE'
    assert info.value.reason == 'mac verify failure'
    assert isinstance(info.value, net.NodeError)


@pytest.mark.parametrize('blob, reason', [
    (b'hello', 'not enough data'), (b'', 'not enough data'), (bytearray(b'\x30\x82'), 'header too long'),
])
def test_what_is_not_pkcs12_fails_with_openssls_reason(blob, reason):
    with pytest.raises(tls.PKCS12Error, match='^%s$' % reason) as info:
        tls.createSecureContext(pfx=blob)
    assert info.value.code == 'ERR_OSSL_ASN1_' + reason.upper().replace(' ', '_')


def test_a_pfx_given_as_str_is_read_as_utf8(pfx):
    """Node writes a string pfx as UTF-8: a blob read as Latin-1 text then
    no longer parses ('header too long')."""
    with pytest.raises(tls.PKCS12Error, match='^header too long$'):
        tls.createSecureContext(pfx=pfx.decode('latin-1'), passphrase=PASSWORD)


def test_the_list_forms_and_their_passphrases(pfx):
    """Node: pfx as a list of blobs and {buf, passphrase} objects; an
    object's own passphrase comes first, the option's is the fallback."""
    for options in ({'pfx': [pfx], 'passphrase': PASSWORD},
                    {'pfx': [{'buf': pfx, 'passphrase': PASSWORD}]},
                    {'pfx': [{'buf': pfx}], 'passphrase': PASSWORD},
                    {'pfx': [{'buf': pfx, 'passphrase': PASSWORD}], 'passphrase': 'bad'}):
        assert tls.createSecureContext(options).pfx
    with pytest.raises(tls.PKCS12Error, match='mac verify failure'):
        tls.createSecureContext(pfx=[{'buf': pfx, 'passphrase': 'x'}], passphrase=PASSWORD)


@pytest.mark.parametrize('value', [5, [5], [{'buf': 5}], [{'passphrase': PASSWORD}]])
def test_a_pfx_item_that_is_no_blob_is_err_crypto_operation_failed(value):
    with pytest.raises(net.NodeError) as info:
        tls.createSecureContext(pfx=value)
    assert info.value.code == 'ERR_CRYPTO_OPERATION_FAILED'
    assert str(info.value) == 'Unable to load PFX certificate'


@pytest.mark.parametrize('value', [None, []])
def test_no_pfx_loads_nothing(value):
    assert tls.createSecureContext(pfx=value).pfx == []


def test_a_pfx_with_the_empty_password_needs_no_passphrase(tls_certs, run_loop):
    blob = pkcs12(tls_certs, 'rsa', '')
    seen = secure_exchange(run_loop, {'pfx': blob}, {'ca': tls_certs.ca})
    assert seen['authorized'] is True and seen['data'] == b'hi'


def test_a_clients_pfx_trusts_its_extra_certificates(tls_certs, tls_server, run_loop):
    """Node adds a pfx's extra certificates to the context's trusted store:
    a client with a pfx holding the CA (and no ca option) authorizes a
    server the CA signed."""
    blob = pkcs12(tls_certs, 'leaf', PASSWORD, with_ca=True)
    seen = secure_exchange(run_loop, {'key': tls_certs.key, 'cert': tls_certs.cert},
                           {'pfx': blob, 'passphrase': PASSWORD, 'rejectUnauthorized': False})
    assert seen['authorized'] is True and seen['error'] is None


def test_a_pfx_client_certificate_is_what_the_server_sees(tls_certs, pfx, run_loop):
    """A client's pfx is its certificate for a server that asks for one."""
    seen = {}
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert, 'ca': tls_certs.ca,
                               'requestCert': True})
    server.on('secureConnection', lambda s: (
        seen.update(authorized=s.authorized, cn=s.getPeerCertificate().subject.CN), s.end()))
    server.listen(0, '127.0.0.1')
    client = tls.connect(port=server.address().port, host='127.0.0.1', ca=tls_certs.ca,
                         pfx=pfx, passphrase=PASSWORD)
    own = []
    client.on('secureConnect', lambda: own.extend(
        client.getCertificate().serialNumber for _ in range(10)))
    client.on('data', lambda _: None)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == {'authorized': True, 'cn': 'localhost'}
    assert len(set(own)) == 1 and len(own) == 10 and own[0]
