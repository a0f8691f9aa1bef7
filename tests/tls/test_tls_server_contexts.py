"""tls.Server.addContext(): certificates chosen by the client's SNI name.
Node's behaviour, pinned with /usr/bin/node v20 (this JavaScript, not a
port of Node's own test files):

    srv = tls.createServer({key, cert})          // CN localhost
    srv.addContext('*.test', {key: k2, cert: c2}) // CN other
    connect({servername}).getPeerCertificate().subject.CN:
        x.test -> other, a.b.test -> localhost, X.TEST -> localhost, .test -> other
    srv.addContext('', {})    // ERR_TLS_REQUIRED_SERVER_NAME
        '"servername" is required parameter for Server.addContext'
    srv.getTicketKeys()       // a 48-byte Buffer, the same at each call
    srv.setTicketKeys('x'.repeat(48)), srv.setTicketKeys()
        // ERR_INVALID_ARG_TYPE 'The "buffer" argument must be an instance of Buffer, ...'
    srv.setTicketKeys(Buffer.alloc(47))   // ERR_INTERNAL_ASSERTION 'Session ticket keys must be
                                          // a 48-byte buffer'; pyuvnet: ERR_INVALID_ARG_VALUE
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


def resumed_on_second_server(tls_certs, run_loop, first_keys, second_keys, version):
    """A session from a server with ``first_keys`` offered to one with
    ``second_keys``: whether it resumed."""
    servers = []
    for keys in (first_keys, second_keys):
        server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert,
                                   'maxVersion': version}, lambda s: s.end(b'hi'))
        server.setTicketKeys(keys)
        server.listen(0, '127.0.0.1')
        servers.append(server)
    sessions, reused = [], []
    first = tls.connect(servers[0].address().port, '127.0.0.1', ca=tls_certs.ca)
    first.on('session', sessions.append)
    first.on('data', lambda chunk: None)

    def second(_):
        servers[0].close()
        again = tls.connect(servers[1].address().port, '127.0.0.1', ca=tls_certs.ca,
                            session=sessions[-1])
        again.on('secureConnect', lambda: reused.append(again.isSessionReused()))
        again.on('data', lambda chunk: None)
        again.on('close', lambda _: servers[1].close())
    first.on('close', second)
    run_loop()
    return reused


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_servers_sharing_ticket_keys_resume_each_others_sessions(tls_certs, run_loop, version):
    """What setTicketKeys is for (Node: servers of a cluster sharing
    tickets): the same 48 bytes on two servers make the second resume the
    first's ticket; other keys do not."""
    keys = bytes(range(48))
    assert resumed_on_second_server(tls_certs, run_loop, keys, bytearray(keys), version) == [True]
    assert resumed_on_second_server(tls_certs, run_loop, keys, bytes(48), version) == [False]


def test_ticket_keys_get_and_set_as_node(tls_certs):
    """getTicketKeys() is 48 bytes, stable, then what setTicketKeys() gave;
    Node 20's errors for what is not a buffer."""
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert})
    keys = server.getTicketKeys()
    assert isinstance(keys, bytes) and len(keys) == 48 and server.get_ticket_keys() == keys
    assert server.setTicketKeys(memoryview(bytes(48))) is None
    assert server.getTicketKeys() == bytes(48)
    for bad in ('x' * 48, None):
        with pytest.raises(tls.errors.ERR_INVALID_ARG_TYPE) as caught:
            server.setTicketKeys(bad)
        assert 'The "buffer" argument must be an instance of Buffer, TypedArray, or DataView' \
            in str(caught.value)
    for size in (47, 49):
        with pytest.raises(tls.errors.ERR_INVALID_ARG_VALUE):
            server.set_ticket_keys(bytes(size))
    assert server.getTicketKeys() == bytes(48)
