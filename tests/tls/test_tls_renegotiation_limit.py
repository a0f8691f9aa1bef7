"""tls.CLIENT_RENEG_LIMIT / CLIENT_RENEG_WINDOW, pinned with /usr/bin/node v20
(a Node server piping, a Node client calling renegotiate() again from each
callback, maxVersion 'TLSv1.2'):

    tls.CLIENT_RENEG_LIMIT, tls.CLIENT_RENEG_WINDOW   // 3 600, settable, unchecked
    LIMIT 3: three callbacks get null; the fourth renegotiation makes the
        server's socket emit 'error' ERR_TLS_SESSION_ATTACK, 'TLS session
        renegotiation attack detected', after 3 'secure' (one per
        renegotiation); the socket is not destroyed by it (the listener
        destroys it); the client sees 'end' then 'close' (hadError false)
    LIMIT 0: the first renegotiation is the error; LIMIT 1: the second
    WINDOW 0: every renegotiation starts a new window, none is an attack

Node's test: test/parallel/test-tls-client-renegotiation-limit.js (also run
here with a Node client against the pyuvnet server).
"""
import pytest

import pyuvnet.tls as tls
from support import node  # noqa: F401 (a fixture)


@pytest.fixture
def reneg_settings():
    """tls.CLIENT_RENEG_LIMIT/WINDOW restored after the test."""
    saved = tls.CLIENT_RENEG_LIMIT, tls.CLIENT_RENEG_WINDOW
    yield
    tls.CLIENT_RENEG_LIMIT, tls.CLIENT_RENEG_WINDOW = saved


def renegotiate_until_closed(tls_server, tls_certs, run_loop, most, destroy_on_error=True):
    """A client renegotiating again from each callback (at most ``most``
    times) against a pyuvnet TLS 1.2 server piping back: what each end saw."""
    seen = {'callbacks': [], 'server': [], 'client': []}

    def on_connection(conn):
        conn.on('secure', lambda: seen['server'].append('secure'))

        def on_error(err):
            seen['server'].append((err.code, str(err)))
            if destroy_on_error:
                conn.destroy()
        conn.on('error', on_error)
        conn.on('data', conn.write)
        conn.on('end', conn.end)
    server, port = tls_server(on_connection, maxVersion='TLSv1.2')
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)

    def again(err=None):
        if err is not None or len(seen['callbacks']) == most:
            seen['callbacks'].append(err)
            client.end()
            return
        client.write(b'')
        client.renegotiate({}, lambda err: (seen['callbacks'].append(err), again()))
    client.on('secureConnect', again)
    client.on('data', lambda _: None)
    client.on('error', lambda err: seen['client'].append(err.code))
    client.on('end', lambda: seen['client'].append('end'))
    client.on('close', lambda had_error: (seen['client'].append(('close', had_error)),
                                          server.close()))
    run_loop(timeout=15)
    return seen


def test_the_limit_and_window_are_nodes_settable_values():
    assert (tls.CLIENT_RENEG_LIMIT, tls.CLIENT_RENEG_WINDOW) == (3, 600)
    assert {'CLIENT_RENEG_LIMIT', 'CLIENT_RENEG_WINDOW'} <= set(tls.__all__)


@pytest.mark.parametrize('limit', [0, 1, 3])
def test_a_renegotiation_past_the_limit_is_a_session_attack_on_the_server(
        limit, reneg_settings, tls_server, tls_certs, run_loop):
    tls.CLIENT_RENEG_LIMIT = limit
    seen = renegotiate_until_closed(tls_server, tls_certs, run_loop, most=10)
    assert seen['callbacks'] == [None] * limit       # the next one never calls back
    assert seen['server'] == ['secure'] * limit + [
        ('ERR_TLS_SESSION_ATTACK', 'TLS session renegotiation attack detected')]
    assert seen['client'] == ['end', ('close', False)]


def test_a_window_of_zero_starts_anew_at_each_renegotiation(reneg_settings, tls_server,
                                                            tls_certs, run_loop):
    tls.CLIENT_RENEG_LIMIT = 1
    tls.CLIENT_RENEG_WINDOW = 0
    seen = renegotiate_until_closed(tls_server, tls_certs, run_loop, most=4)
    assert seen['callbacks'] == [None] * 4 + [None]   # the last: the client ends
    assert seen['server'] == ['secure'] * 4
    assert seen['client'] == ['end', ('close', False)]


def test_the_attack_does_not_destroy_the_server_socket_by_itself(reneg_settings, tls_server,
                                                                 tls_certs, run_loop):
    """As Node's: the 'error' is reported and the renegotiation goes on;
    destroying is up to the listener."""
    tls.CLIENT_RENEG_LIMIT = 1
    seen = renegotiate_until_closed(tls_server, tls_certs, run_loop, most=3,
                                    destroy_on_error=False)
    attack = ('ERR_TLS_SESSION_ATTACK', 'TLS session renegotiation attack detected')
    assert seen['callbacks'] == [None] * 4
    assert seen['server'] == ['secure', attack, 'secure', attack, 'secure']
    assert seen['client'] == ['end', ('close', False)]


NODE_CLIENT = r'''
const tls = require('tls');
const client = tls.connect({port: +process.argv[1], host: '127.0.0.1', rejectUnauthorized: false,
                            maxVersion: 'TLSv1.2'}, again);
let ok = 0, calls = 0;
const errors = [];
client.on('error', (err) => errors.push(err.code));
client.on('close', (hadError) => console.log(JSON.stringify({ok, calls, hadError, errors})));
function again() {
  client.write('');
  calls++;
  client.renegotiate({}, (err) => { if (!err) { ok++; again(); } });
}
'''


def test_a_node_client_gets_the_limits_renegotiations_then_the_hang_up(
        node, tls_server, run_loop):
    errors = []

    def on_connection(conn):
        conn.on('error', lambda err: (errors.append(err.code), conn.destroy()))
        conn.on('close', lambda _: server.close())
    server, port = tls_server(on_connection)
    peer = node(NODE_CLIENT, port)
    run_loop(timeout=15)
    assert errors == ['ERR_TLS_SESSION_ATTACK']
    assert peer.result(timeout=10) == {'ok': 3, 'calls': 4, 'hadError': False, 'errors': []}


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_without_renegotiation_the_server_emits_no_second_secure(version, tls_server, tls_certs,
                                                                 run_loop):
    """TLS 1.3's tickets and data after the handshake are no handshake to
    count nor a 'secure' (Node: 0 'secure' after 'secureConnection')."""
    seen = []

    def on_connection(conn):
        conn.on('secure', lambda: seen.append('secure'))
        conn.on('data', seen.append)
        conn.on('end', conn.end)
    server, port = tls_server(on_connection, maxVersion=version)
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)
    client.on('secureConnect', lambda: (client.write(b'a'), client.end(b'b')))
    client.on('data', lambda _: None)
    client.on('session', lambda _: None)
    client.on('close', lambda _: server.close())
    run_loop()
    assert 'secure' not in seen
    assert b''.join(seen) == b'ab'
