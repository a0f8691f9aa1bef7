"""tls.Server.addContext(): certificates chosen by the client's SNI name.
Node's behaviour, pinned with /usr/bin/node v20 (as nodejs/node
test/parallel/test-tls-sni-option.js and test-tls-add-context.js check):

    srv = tls.createServer({key, cert})          // CN localhost
    srv.addContext('*.test', {key: k2, cert: c2}) // CN other
    connect({servername}).getPeerCertificate().subject.CN:
        x.test -> other, a.b.test -> localhost, X.TEST -> localhost, .test -> other
    srv.addContext('', {})    // ERR_TLS_REQUIRED_SERVER_NAME
        '"servername" is required parameter for Server.addContext'
"""
import pytest

import pyuvnet.tls as tls


def served_names(tls_certs, run_loop, server, servernames):
    """The CN of the certificate the server presents for each SNI name."""
    server.listen(0, '127.0.0.1')
    port = server.address().port
    seen = {}

    def next_client(remaining):
        if not remaining:
            server.close()
            return
        name = remaining[0]
        client = tls.connect(port, '127.0.0.1', servername=name, rejectUnauthorized=False)

        def secure():
            seen[name] = client.getPeerCertificate().subject.CN
            client.destroy()
        client.on('secureConnect', secure)
        client.on('close', lambda _: next_client(remaining[1:]))
    next_client(list(servernames))
    run_loop()
    return seen


def test_add_context_matches_wildcards_as_node(tls_certs, run_loop):
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert}, lambda s: s.end())
    server.addContext('*.other.test', {'key': tls_certs.other_key, 'cert': tls_certs.other_cert})
    seen = served_names(tls_certs, run_loop, server,
                        ['x.other.test', 'a.b.other.test', 'X.OTHER.TEST', 'xother.test'])
    # ('.test' matches '*.test' in Node; Python's ssl refuses to send a
    # servername with a leading dot, so it cannot be tried from here.)
    assert seen == {'x.other.test': 'other.test', 'a.b.other.test': 'localhost',
                    'X.OTHER.TEST': 'localhost', 'xother.test': 'localhost'}


def test_add_context_latest_match_wins_and_takes_a_secure_context(tls_certs, run_loop):
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert}, lambda s: s.end())
    server.add_context('*.other.test', {'key': tls_certs.other_key, 'cert': tls_certs.other_cert})
    server.addContext('x.other.test', tls.createSecureContext(key=tls_certs.self_key,
                                                              cert=tls_certs.self_cert))
    seen = served_names(tls_certs, run_loop, server, ['x.other.test', 'y.other.test'])
    assert seen == {'x.other.test': 'localhost', 'y.other.test': 'other.test'}


def test_add_context_is_not_used_beside_an_sni_callback(tls_certs, run_loop):
    asked = []

    def sni(name, cb):
        asked.append(name)
        cb(None, None)
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert, 'SNICallback': sni},
                              lambda s: s.end())
    server.addContext('*.other.test', {'key': tls_certs.other_key, 'cert': tls_certs.other_cert})
    assert served_names(tls_certs, run_loop, server, ['x.other.test']) == {'x.other.test': 'localhost'}
    assert asked == ['x.other.test']


@pytest.mark.parametrize('hostname', ['', None])
def test_add_context_requires_a_hostname(tls_certs, hostname):
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert})
    with pytest.raises(tls.ERR_TLS_REQUIRED_SERVER_NAME) as caught:
        server.addContext(hostname, {})
    assert caught.value.code == 'ERR_TLS_REQUIRED_SERVER_NAME'
    assert str(caught.value) == '"servername" is required parameter for Server.addContext'
