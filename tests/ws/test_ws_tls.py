"""wss:, ported from ws v8's test/websocket.test.js ('SSL'): a client that
does not check the certificate, a client certificate the server asked
for, ws: against a TLS server (an error), and text and a 5 MiB binary
message both ways over TLS."""
import os

from pyuvnet import https
from pyuvnet.ws import WebSocket, WebSocketServer


def tls_server(tls_certs, **options):
    server = https.createServer(dict({'key': tls_certs.key, 'cert': tls_certs.cert}, **options))
    server.listen(0, '127.0.0.1')
    return server, server.address()['port']


def test_connects_without_checking_the_certificate(run_loop, tls_certs):
    server, port = tls_server(tls_certs)
    wss = WebSocketServer(server=server)
    out = []
    wss.on('connection', lambda ws, req: ws.on('close', lambda code, reason: (
        out.append(code), server.close())))
    ws = WebSocket('wss://127.0.0.1:%d' % port, rejectUnauthorized=False)
    ws.on('open', ws.close)
    run_loop(10)
    assert out == [1005]


def test_a_client_certificate_the_server_asked_for(run_loop, tls_certs):
    server, port = tls_server(tls_certs, ca=[tls_certs.ca], requestCert=True)
    wss = WebSocketServer(noServer=True)
    out = []

    def upgrade(req, socket, head):
        out.append(socket.authorized)
        wss.handleUpgrade(req, socket, head, lambda ws, req: ws.on(
            'close', lambda code, reason: (out.append(code), server.close())))
    server.on('upgrade', upgrade)
    ws = WebSocket('wss://localhost:%d' % port, cert=tls_certs.other_cert,
                   key=tls_certs.other_key, rejectUnauthorized=False)
    ws.on('open', ws.close)
    run_loop(10)
    assert out == [True, 1005]


def test_ws_scheme_against_a_tls_server_is_an_error(run_loop, tls_certs):
    server, port = tls_server(tls_certs)
    wss = WebSocketServer(server=server)
    out = []
    ws = WebSocket('ws://localhost:%d' % port, rejectUnauthorized=False,
                   handshakeTimeout=5000)
    ws.on('error', lambda err: (out.append('error'), server.closeAllConnections(),
                                server.close(), wss.close()))
    ws.on('close', lambda code, reason: out.append(code))
    run_loop(10)
    assert out == ['error', 1006]


def test_text_and_a_big_binary_message_over_tls(run_loop, tls_certs):
    server, port = tls_server(tls_certs)
    wss = WebSocketServer(server=server)
    big = os.urandom(5 * 1024 * 1024)
    got = []

    def connection(ws, req):
        def message(data, is_binary):
            got.append(('server', len(data), is_binary))
            ws.send(data, {'binary': is_binary})
        ws.on('message', message)
        ws.on('close', lambda *a: server.close())
    wss.on('connection', connection)
    ws = WebSocket('wss://localhost:%d' % port, ca=tls_certs.ca)
    ws.on('open', lambda: (ws.send('foobar'), ws.send(big)))
    ws.on('message', lambda data, is_binary: (got.append((data == big or data, is_binary)),
                                              len(got) == 4 and ws.close()))
    run_loop(30)
    # Each side in order (the sides interleave as the 5 MiB travel).
    assert [g for g in got if g[0] == 'server'] == [('server', 6, False),
                                                    ('server', len(big), True)]
    assert [g for g in got if g[0] != 'server'] == [(b'foobar', False), (True, True)]


def test_servername_empty_sends_no_sni(run_loop, tls_certs):
    server, port = tls_server(tls_certs)
    wss = WebSocketServer(noServer=True)
    names = []

    def upgrade(req, socket, head):
        names.append(socket.servername)
        wss.handleUpgrade(req, socket, head, lambda ws, req: ws.close())
    server.on('upgrade', upgrade)
    closed = []
    for servername in (None, ''):
        options = {'ca': tls_certs.ca}
        if servername is not None:
            options['servername'] = servername
        ws = WebSocket('wss://localhost:%d' % port, **options)
        ws.on('close', lambda *a: (closed.append(1), len(closed) == 2 and server.close()))
    run_loop(10)
    assert sorted(names, key=str) == sorted(['localhost', False], key=str)


def test_a_close_right_behind_the_101_over_tls_is_read(run_loop, tls_certs):
    # What TLS records came with the 101 were emitted by the socket before
    # the WebSocket listened, and lost: a server's close at once never
    # reached the client.
    server, port = tls_server(tls_certs)
    wss = WebSocketServer(server=server)
    wss.on('connection', lambda ws, req: ws.close(4001))
    out = []
    ws = WebSocket('wss://localhost:%d' % port, ca=tls_certs.ca)
    ws.on('close', lambda code, reason: (out.append(code), server.close()))
    run_loop(10)
    assert out == [4001]


def test_a_message_right_behind_the_handshake_over_tls_is_read(run_loop, tls_certs):
    from pyuvnet import tls
    from ws_support import HANDSHAKE, frame
    server, port = tls_server(tls_certs)
    wss = WebSocketServer(server=server)
    out = []
    wss.on('connection', lambda ws, req: ws.on('message', lambda data, is_binary: (
        out.append(data), ws.terminate(), server.close())))
    raw = tls.connect({'port': port, 'host': 'localhost', 'ca': tls_certs.ca})
    # Two writes, two TLS records, read by the server in one go.
    raw.on('secureConnect', lambda: (raw.write(HANDSHAKE % b''), raw.write(frame(1, b'first'))))
    raw.on('error', lambda err: None)
    raw.on('close', lambda *a: None)
    raw.resume()
    run_loop(10)
    assert out == [b'first']
