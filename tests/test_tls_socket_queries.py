"""TLSSocket's one-OpenSSL-call methods: getFinished()/getPeerFinished(),
exportKeyingMaterial(), setMaxSendFragment(), disableRenegotiation().
Node's behaviour, pinned with /usr/bin/node v20 (ported in part from
nodejs/node test/parallel/test-tls-finished.js,
test-tls-exportkeyingmaterial.js and test-tls-max-send-fragment.js):

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
"""
import math

import pytest

import ssl

import pyuvnet.tls as tls
import pyuvnet as net
from pyuvnet import _uv, errors
from pyuvnet.tls_socket_queries import ERR_TLS_INVALID_STATE


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
