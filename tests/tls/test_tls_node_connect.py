"""Node's own tests of tls.connect()'s options (test/parallel/
test-tls-connect-*.js and kin in nodejs/node), ported: each behaviour was
first run under /usr/bin/node v20 with certificates made by
tests/tls/tls_certs_support.py, and each docstring names the Node file and what Node
printed."""
import os
import warnings

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet._internal.abort import AbortController


def test_connect_without_host_goes_to_localhost_and_verifies_it(tls_server, tls_certs,
                                                                run_loop):
    """test-tls-connect-no-host.js: tls.connect({port, ca}) with no host:
    the connection goes to localhost, the certificate is checked against
    it (authorized true), no SNI is sent (servername false)."""
    seen = []
    server, port = tls_server(lambda s: s.end())
    client = tls.connect({'port': port, 'ca': tls_certs.ca},
                         lambda: seen.append((client.authorized, client.servername)))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [(True, False)]


def test_connect_over_a_unix_socket_path(tls_certs, sockdir, run_loop):
    """test-tls-connect-pipe.js: a tls.Server listening on a path and
    tls.connect(path, {rejectUnauthorized: false}): TLS 1.3 over it, the
    server's data arrives."""
    path = os.path.join(sockdir, 'tls.sock')
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert},
                              lambda s: s.end('hi'))
    server.listen(path)
    seen = []
    client = tls.connect(path, {'rejectUnauthorized': False},
                         lambda: seen.append(client.getProtocol()))
    client.on('data', seen.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == ['TLSv1.3', b'hi']


def test_connect_over_a_socket_already_connected(tls_server, run_loop):
    """test-tls-connect-given-socket.js: net.connect(port, () =>
    tls.connect({socket: raw, ...})): the handshake runs over the connected
    socket, the data arrives, and at the TLSSocket's 'close' the raw
    socket is destroyed."""
    server, port = tls_server(lambda s: s.end('hi'))
    seen = []

    def on_raw_connect():
        client = tls.connect({'socket': raw, 'rejectUnauthorized': False},
                             lambda: seen.append('secure'))
        client.on('data', seen.append)
        client.on('close', lambda _: (seen.append(('raw destroyed', raw.destroyed)),
                                      server.close()))
    raw = net.connect(port, '127.0.0.1', on_raw_connect)
    run_loop()
    assert seen == ['secure', b'hi', ('raw destroyed', True)]


def test_allow_half_open_option_is_the_sockets(tls_server, run_loop):
    """test-tls-connect-allow-half-open-option.js: tls.connect() without the
    option -> allowHalfOpen false; {allowHalfOpen: true} -> true."""
    server, port = tls_server(lambda s: s.end())
    seen = []
    plain = tls.connect({'port': port, 'rejectUnauthorized': False})
    seen.append(plain.allowHalfOpen)
    plain.destroy()
    client = tls.connect({'port': port, 'rejectUnauthorized': False, 'allowHalfOpen': True},
                         lambda: (seen.append(client.allowHalfOpen), client.end()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [False, True]


def test_high_water_mark_option_sets_both_sides(tls_server, run_loop):
    """test-tls-connect-hwm-option.js: {highWaterMark: 128000} ->
    readableHighWaterMark and writableHighWaterMark 128000; without it,
    a net.Socket's defaults (Node 20: 16384 each; pyuvnet's net.Socket
    default is 65536)."""
    server, port = tls_server(lambda s: s.end())
    seen = []
    left = []
    for hwm in (128000, None):
        options = {'port': port, 'rejectUnauthorized': False}
        if hwm is not None:
            options['highWaterMark'] = hwm
        client = tls.connect(options)
        client.on('secureConnect', lambda c=client, hwm=hwm: seen.append(
            (hwm, c.readableHighWaterMark, c.writableHighWaterMark)))
        left.append(client)
        client.on('close', lambda _, c=client: (left.remove(c), not left and server.close()))
    run_loop()
    plain = net.Socket()
    assert sorted(seen, key=str) == [(128000, 128000, 128000),
                                     (None, plain.readableHighWaterMark,
                                      plain.writableHighWaterMark)]


def test_a_secure_context_option_brings_its_ca(tls_server, tls_certs, run_loop):
    """test-tls-connect-secure-context.js: tls.connect({host: 'localhost',
    secureContext: tls.createSecureContext({ca})}): authorized true."""
    server, port = tls_server(lambda s: s.end())
    seen = []
    client = tls.connect({'port': port, 'host': 'localhost',
                          'secureContext': tls.createSecureContext({'ca': tls_certs.ca})},
                         lambda: seen.append(client.authorized))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [True]


def test_timeout_option_sets_the_idle_timeout(tls_server, run_loop):
    """test-tls-connect-timeout-option.js: {timeout: 50}: socket.timeout is
    50 at once, and 'timeout' is emitted once the connection idles."""
    server, port = tls_server()
    seen = []
    client = tls.connect({'port': port, 'rejectUnauthorized': False, 'timeout': 50})
    seen.append(client.timeout)
    client.on('timeout', lambda: (seen.append(('timeout', client.timeout)), client.destroy()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [50, ('timeout', 50)]


@pytest.mark.parametrize('when', ['after', 'before'])
def test_an_abort_signal_destroys_the_connection_with_abort_error(tls_server, run_loop, when):
    """test-tls-connect-abort-controller.js: {signal} aborted right after
    tls.connect(), or already aborted: 'error' AbortError (code
    ABORT_ERR, 'The operation was aborted'), then 'close'."""
    server, port = tls_server()
    controller = AbortController()
    if when == 'before':
        controller.abort()
    seen = []
    client = tls.connect({'port': port, 'rejectUnauthorized': False,
                          'signal': controller.signal})
    client.on('error', lambda err: seen.append((type(err).__name__, err.code, str(err))))
    client.on('close', lambda _: (seen.append('close'), server.close()))
    if when == 'after':
        controller.abort()
    run_loop()
    assert seen == [('AbortError', 'ABORT_ERR', 'The operation was aborted'), 'close']


def test_an_ip_address_as_servername_warns_dep0123_and_is_sent(tls_server, run_loop,
                                                               monkeypatch):
    """test-tls-ip-servername-deprecation.js: servername '127.0.0.1' emits a
    DeprecationWarning DEP0123 'Setting the TLS ServerName to an IP address
    is not permitted by RFC 6066. This will be ignored in a future
    version.'; Node 20 still sends it: both ends' servername is
    '127.0.0.1'."""
    monkeypatch.setattr(tls, '_ip_servername_warned', [])    # once per process, as Node
    seen = []
    server, port = tls_server(lambda s: (seen.append(('server', s.servername)), s.end()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        client = tls.connect({'port': port, 'rejectUnauthorized': False,
                              'servername': '127.0.0.1'},
                             lambda: seen.append(('client', client.servername)))
        client.on('close', lambda _: server.close())
        run_loop()
    assert sorted(seen) == [('client', '127.0.0.1'), ('server', '127.0.0.1')]
    assert [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)] == [
        'Setting the TLS ServerName to an IP address is not permitted by RFC 6066. '
        'This will be ignored in a future version.']


def test_keylog_gives_the_five_tls13_secrets_on_each_end(tls_server, run_loop):
    """test-tls-keylog-tlsv13.js: a TLS 1.3 connection: the client's
    'keylog'(line) and the server's 'keylog'(line, tlsSocket) each give
    five NSS key-log lines ending with a newline: the client and server
    handshake and traffic secrets and the exporter secret."""
    server, port = tls_server(lambda s: s.end())
    server_lines, client_lines = [], []
    server.on('keylog', lambda line, sock: server_lines.append(
        (bytes(line), type(sock).__name__)))
    client = tls.connect({'port': port, 'rejectUnauthorized': False})
    client.on('keylog', lambda line: client_lines.append(bytes(line)))
    client.on('close', lambda _: server.close())
    run_loop()
    labels = sorted(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET',
                     'EXPORTER_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0'])
    assert sorted(line.split(b' ')[0].decode() for line in client_lines) == labels
    assert sorted(line.split(b' ')[0].decode() for line, _ in server_lines) == labels
    assert all(line.endswith(b'\n') for line in client_lines)
    assert {kind for _, kind in server_lines} == {'TLSSocket'}


def test_an_sni_callback_that_raises_is_the_servers_client_error(tls_server, run_loop):
    """test-tls-snicallback-error.js: an SNICallback that throws: the
    server's 'tlsClientError' is that very error, no 'secureConnection';
    the client's 'error' is ECONNRESET."""
    boom = RuntimeError('boom')

    def sni(name, cb):
        raise boom
    seen = []
    server, port = tls_server(lambda s: seen.append('secureConnection'), SNICallback=sni)
    server.on('tlsClientError', lambda err, s: seen.append(('server', err)))
    client = tls.connect({'port': port, 'rejectUnauthorized': False, 'servername': 'x.test'})
    client.on('error', lambda err: seen.append(('client', err.code)))
    client.on('close', lambda _: server.close())
    run_loop()
    assert sorted(seen, key=str) == sorted([('server', boom), ('client', 'ECONNRESET')], key=str)


def test_set_timeout_fires_during_a_stalled_handshake(run_loop):
    """test-tls-wrap-timeout.js: a plain server that never answers; the
    client's setTimeout(50, cb) runs cb during the handshake (connecting
    false, encrypted true)."""
    server = net.createServer(lambda s: s.pause())
    server.listen(0, '127.0.0.1')
    seen = []
    client = tls.connect({'port': server.address().port, 'host': '127.0.0.1',
                          'rejectUnauthorized': False})
    client.setTimeout(50, lambda: (seen.append((client.connecting, client.encrypted)),
                                   client.destroy(), server.close()))
    run_loop()
    assert seen == [(False, True)]


def test_a_path_wins_over_a_port(tls_certs, sockdir, run_loop):
    """test-tls-net-connect-prefer-path.js: tls.connect({path, port: 1}):
    the connection goes over the path."""
    path = os.path.join(sockdir, 'pp.sock')
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert},
                              lambda s: s.end('via path'))
    server.listen(path)
    seen = []
    client = tls.connect({'path': path, 'port': 1, 'rejectUnauthorized': False})
    client.on('data', seen.append)
    client.on('error', lambda err: seen.append(err.code))
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [b'via path']
