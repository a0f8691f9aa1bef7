"""TLSSocket's one-OpenSSL-call methods: getFinished()/getPeerFinished(),
exportKeyingMaterial(), setMaxSendFragment(), disableRenegotiation().
Node's behaviour, pinned with /usr/bin/node v20 (this JavaScript, not a
port of Node's own test files):

    c.getFinished().length, c.getPeerFinished().length   // 12 12 (TLSv1.2), 48 48 (1.3, SHA-384 suite)
    new tls.TLSSocket().getFinished()                   // undefined; after destroy: null
    c.exportKeyingMaterial(8, 'foo')                    // 8 bytes, the server's equal
    c.exportKeyingMaterial()        // ERR_INVALID_ARG_TYPE 'The "length" argument must be of type number'
    c.exportKeyingMaterial(8, 5)    // ERR_INVALID_ARG_TYPE (label), (8, 'l', 5): (context)
    c.exportKeyingMaterial(0, 'l')  // ERR_OUT_OF_RANGE '>= 1 && <= 4294967295'; 1.5: 'an integer'
    new tls.TLSSocket().exportKeyingMaterial(8, 'x')   // ERR_TLS_INVALID_STATE
    c.setMaxSendFragment(511/512/16384/16385)           // false true true false
    c.setMaxSendFragment('x')  // ERR_INVALID_ARG_TYPE;  1.5, NaN, 2**40: ERR_OUT_OF_RANGE
    c.disableRenegotiation()                            // undefined
    c.getEphemeralKeyInfo()    // { type: 'ECDH', name: 'X25519', size: 253 }; ecdhCurve P-256:
                               // { type: 'ECDH', name: 'prime256v1', size: 256 }; server: null;
                               // new tls.TLSSocket(): {}; destroyed: null
    c.getTLSTicket().length    // 192 (TLSv1.2), 240 (1.3); server: undefined
    t.setServername(1)         // ERR_INVALID_ARG_TYPE 'The "name" argument must be of type string'
    serverSide.setServername('x')   // ERR_TLS_SNI_FROM_SERVER
    c = tls.connect({port, ...}); c.setServername('late.example')  // c.servername: 'late.example'
    // after the handshake began Node 20 aborts (an assertion): pyuvnet raises ERR_INVALID_STATE
"""
import math

import pytest

import ssl

import pyuvnet.tls as tls
import pyuvnet as net
from pyuvnet import _uv, errors
from pyuvnet.tls._socket_queries import ERR_INVALID_STATE, ERR_TLS_INVALID_STATE, ERR_TLS_SNI_FROM_SERVER


def connected_pair(tls_server, tls_certs, run_loop, check, version='TLSv1.3'):
    """Run ``check(client, server_socket)`` once the client's handshake is
    done and the server's socket is secure, then close both."""
    seen = {}

    def on_secure(s):
        seen['server'] = s
        s.on('data', lambda chunk: None)
        s.end(b'ok')
    server, port = tls_server(on_secure, maxVersion=version)
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)

    def on_data(chunk):
        check(client, seen['server'])
        client.end()
    client.on('data', on_data)
    client.on('close', lambda _: server.close())
    run_loop()
    return client


@pytest.mark.parametrize('version, sizes', [('TLSv1.2', (12,)), ('TLSv1.3', (32, 48))])
def test_finished_messages_match_across_the_connection(tls_server, tls_certs, run_loop, version, sizes):
    """Each end's getFinished() is the other's getPeerFinished(); 12 bytes
    under TLS 1.2, the suite's hash size under 1.3; None once destroyed."""
    got = {}

    def check(client, server):
        got['client'] = (client.getFinished(), client.getPeerFinished())
        got['server'] = (server.getFinished(), server.getPeerFinished())
    client = connected_pair(tls_server, tls_certs, run_loop, check, version)
    mine, theirs = got['client']
    assert isinstance(mine, bytes) and isinstance(theirs, bytes) and mine != theirs
    assert got['server'] == (theirs, mine)
    assert len(mine) in sizes
    assert client.getFinished() is None and client.getPeerFinished() is None
    assert client.get_finished is not None and client.get_peer_finished is not None


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_export_keying_material_is_the_same_at_both_ends(tls_server, tls_certs, run_loop, version):
    """Both ends derive the same bytes; a context changes them, an empty
    context differs from none (RFC 5705)."""
    got = {}

    def check(client, server):
        for name, end in (('client', client), ('server', server)):
            got[name] = (end.exportKeyingMaterial(16, 'pyuvnet test'),
                         end.export_keying_material(16, 'pyuvnet test', b'ctx'),
                         end.exportKeyingMaterial(16, 'pyuvnet test', bytearray()))
    connected_pair(tls_server, tls_certs, run_loop, check, version)
    assert got['client'] == got['server']
    plain, with_context, empty_context = got['client']
    assert len(plain) == 16 and plain != with_context
    if version == 'TLSv1.2':
        # Under 1.3 RFC 8446 makes no context the same as an empty one.
        assert empty_context != plain


@pytest.mark.parametrize('args, error, message', [
    (('x', 'l'), errors.ERR_INVALID_ARG_TYPE, 'The "length" argument must be of type number'),
    ((8, 5), errors.ERR_INVALID_ARG_TYPE, 'The "label" argument must be of type string'),
    ((8, 'l', 5), errors.ERR_INVALID_ARG_TYPE, 'The "context" argument must be an instance of Buffer'),
    ((8, 'l', 'str'), errors.ERR_INVALID_ARG_TYPE, 'The "context" argument must be an instance of Buffer'),
    ((0, 'l'), errors.ERR_OUT_OF_RANGE, 'It must be >= 1 && <= 4294967295. Received 0'),
    ((-1, 'l'), errors.ERR_OUT_OF_RANGE, 'It must be >= 1 && <= 4294967295. Received -1'),
    ((1.5, 'l'), errors.ERR_OUT_OF_RANGE, 'It must be an integer. Received 1.5'),
])
def test_export_keying_material_rejects_bad_arguments(args, error, message):
    """Node's codes and messages, checked before the socket's state."""
    client = tls.TLSSocket(net.Socket())
    with pytest.raises(error) as caught:
        client.exportKeyingMaterial(*args)
    assert message in str(caught.value)
    client.destroy()


def test_export_keying_material_before_the_handshake_is_invalid_state():
    client = tls.TLSSocket(net.Socket())
    with pytest.raises(ERR_TLS_INVALID_STATE) as caught:
        client.exportKeyingMaterial(8, 'x')
    assert caught.value.code == 'ERR_TLS_INVALID_STATE'
    assert str(caught.value) == 'TLS socket connection must be securely established'
    client.destroy()


@pytest.mark.parametrize('size, error', [
    ('x', errors.ERR_INVALID_ARG_TYPE), (None, errors.ERR_INVALID_ARG_TYPE),
    (1.5, errors.ERR_OUT_OF_RANGE), (math.nan, errors.ERR_OUT_OF_RANGE),
    (2 ** 40, errors.ERR_OUT_OF_RANGE),
])
def test_set_max_send_fragment_rejects_what_is_not_an_int32(size, error):
    client = tls.TLSSocket(net.Socket())
    with pytest.raises(error):
        client.setMaxSendFragment(size)
    client.destroy()


def test_set_max_send_fragment_answers_in_node_range_and_splits_records(tls_server, tls_certs,
                                                                       run_loop):
    """512..16384 is True, outside False; with 512 a 4000-byte write leaves
    as 8 records, each with its own header and tag, so more bytes go on the
    wire than for one record."""
    answers, wire = [], {}

    def on_secure(s):
        answers.extend(s.setMaxSendFragment(n) for n in (511, 16385, 16384, 512))
        before = s.bytesWritten
        s.write(b'x' * 4000, lambda err=None: wire.setdefault('sent', s.bytesWritten - before))
        s.end()
    server, port = tls_server(on_secure)
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)
    client.on('data', lambda chunk: None)
    client.on('close', lambda _: server.close())
    run_loop()
    assert answers == [False, False, True, True]
    # One record costs at most 22 bytes more than its plaintext (TLS 1.3:
    # 5 header, 1 type, 16 tag): 8 records cost at least 8 * 17.
    assert wire['sent'] >= 4000 + 8 * 17
    assert client.setMaxSendFragment(512) is False      # destroyed


def test_disable_renegotiation_sets_openssl_no_renegotiation(tls_server, tls_certs, run_loop):
    """Returns None, as Node; the connection's options then hold
    SSL_OP_NO_RENEGOTIATION."""
    got = {}

    def check(client, server):
        got['before'] = _uv.tls_add_options(client._ssl, 0) & ssl.OP_NO_RENEGOTIATION
        got['returned'] = client.disableRenegotiation()
        got['after'] = _uv.tls_add_options(client._ssl, 0) & ssl.OP_NO_RENEGOTIATION
    connected_pair(tls_server, tls_certs, run_loop, check, 'TLSv1.2')
    assert got == {'before': 0, 'returned': None, 'after': ssl.OP_NO_RENEGOTIATION}


@pytest.mark.parametrize('curve, expected', [
    (None, ('ECDH', 'X25519', 253)), ('P-256', ('ECDH', 'prime256v1', 256)),
])
def test_ephemeral_key_info_names_the_client_key_exchange(tls_server, tls_certs, run_loop,
                                                          curve, expected):
    """The client sees the server's key-exchange key as Node's record; the
    server's socket answers None; a fresh socket an empty Record."""
    got = {}

    def on_secure(s):
        got['server'] = s.getEphemeralKeyInfo()
        s.end(b'ok')
    options = {'ecdhCurve': curve} if curve else {}
    server, port = tls_server(on_secure, **options)
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)
    client.on('secureConnect', lambda: got.setdefault('client', client.get_ephemeral_key_info()))
    client.on('data', lambda chunk: None)
    client.on('close', lambda _: server.close())
    run_loop()
    info = got['client']
    assert (info.type, info.name, info.size) == expected
    assert got['server'] is None
    assert client.getEphemeralKeyInfo() is None       # destroyed
    fresh = tls.TLSSocket(net.Socket())
    assert dict(fresh.getEphemeralKeyInfo()) == {}
    fresh.destroy()


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_tls_ticket_is_the_servers_ticket_on_the_client_only(tls_server, tls_certs, run_loop, version):
    """The client holds the ticket the server sent (the one its session
    resumes with); the server's socket has none."""
    got = {}

    def on_secure(s):
        got['server'] = s.getTLSTicket()
        s.end(b'ok')
    server, port = tls_server(on_secure, maxVersion=version)
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)
    client.on('data', lambda chunk: None)
    client.on('end', lambda: got.setdefault('client', client.getTLSTicket()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert isinstance(got['client'], bytes) and len(got['client']) > 32
    assert got['server'] is None
    assert client.getTLSTicket() is None      # destroyed


def test_set_servername_before_the_handshake_sends_that_sni(tls_server, tls_certs, run_loop):
    """Set right after connect(): the server receives it and both ends
    report it; the certificate is still checked against the host."""
    got = {}

    def on_secure(s):
        got['server'] = s.servername
        s.end(b'ok')
    server, port = tls_server(on_secure)
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.setServername('late.example')
    client.on('secureConnect', lambda: got.setdefault('client', (client.servername, client.authorized)))

    def too_late(chunk):
        with pytest.raises(ERR_INVALID_STATE):
            client.set_servername('again.example')
        got['late'] = client.servername
    client.on('data', too_late)
    client.on('close', lambda _: server.close())
    run_loop()
    assert got == {'server': 'late.example', 'client': ('late.example', True), 'late': 'late.example'}


def test_set_servername_errors():
    client = tls.TLSSocket(net.Socket())
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE) as caught:
        client.setServername(1)
    assert 'The "name" argument must be of type string' in str(caught.value)
    client.destroy()
    server_side = tls.TLSSocket(net.Socket(), isServer=True)
    with pytest.raises(ERR_TLS_SNI_FROM_SERVER) as caught:
        server_side.setServername('x')
    assert caught.value.code == 'ERR_TLS_SNI_FROM_SERVER'
    assert str(caught.value) == 'Cannot issue SNI from a TLS server-side socket'
    server_side.destroy()


_NODE_SHARED_SIGALGS_13 = [
    'ECDSA+SHA256', 'ECDSA+SHA384', 'ECDSA+SHA512', 'Ed25519+UNDEF', 'Ed448+UNDEF',
    'RSA-PSS+SHA256', 'RSA-PSS+SHA384', 'RSA-PSS+SHA512', 'RSA-PSS+SHA256', 'RSA-PSS+SHA384',
    'RSA-PSS+SHA512', 'RSA+SHA256', 'RSA+SHA384', 'RSA+SHA512', 'ECDSA+SHA224', 'RSA+SHA224',
]


@pytest.mark.parametrize('version, extra', [
    ('TLSv1.3', []), ('TLSv1.2', ['DSA+SHA224', 'DSA+SHA256', 'DSA+SHA384', 'DSA+SHA512']),
])
def test_shared_sigalgs_on_the_server_as_node_lists_them(tls_server, tls_certs, run_loop,
                                                         version, extra):
    """Node 20's server lists these for a client on OpenSSL's defaults
    (DSA only under TLS 1.2); its client lists none (not asked for a
    certificate)."""
    got = {}

    def check(client, server):
        got['server'] = server.getSharedSigalgs()
        got['client'] = client.get_shared_sigalgs()
    connected_pair(tls_server, tls_certs, run_loop, check, version)
    assert got == {'server': _NODE_SHARED_SIGALGS_13 + extra, 'client': []}
