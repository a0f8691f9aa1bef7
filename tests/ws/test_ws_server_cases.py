"""More of ws v8's test/websocket-server.test.js: the 'wsClientError'
event in place of the 400, a Hixie-76 handshake refused for its missing
Sec-WebSocket-Key, and a precreated http.Server listening on a unix
socket reached through ws+unix: URLs (with and without a path)."""
import os

from pyuvnet import http
from pyuvnet.ws import WebSocket, WebSocketError, WebSocketServer


def test_ws_client_error_event_replaces_the_400(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    out = []

    def client_error(err, socket, request):
        out.append((type(err), str(err), isinstance(request, http.IncomingMessage),
                    request.method))
        socket.end(b'HTTP/1.1 400 Bad Request\r\n\r\n')
    wss.on('wsClientError', client_error)
    wss.on('connection', lambda ws, req: out.append('connection'))
    req = http.request({'method': 'POST', 'host': '127.0.0.1', 'port': wss.address()['port'],
                        'headers': {'Connection': 'Upgrade', 'Upgrade': 'websocket'}})
    req.on('response', lambda res: (out.append(res.statusCode), res.resume(), wss.close()))
    req.end()
    run_loop()
    assert out == [(WebSocketError, 'Invalid HTTP method', True, 'POST'), 400]


def test_a_hixie_76_handshake_is_a_400(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    out = []
    req = http.get({'host': '127.0.0.1', 'port': wss.address()['port'], 'headers': {
        'Connection': 'Upgrade', 'Upgrade': 'WebSocket',
        'Sec-WebSocket-Key1': '4 @1  46546xW%0l 1 5', 'Sec-WebSocket-Key2': '12998 5 Y3 1  .P00',
        'Sec-WebSocket-Protocol': 'sample'}})

    def response(res):
        chunks = []
        res.on('data', chunks.append)
        res.on('end', lambda: (out.append((res.statusCode, b''.join(chunks))), wss.close()))
    req.on('response', response)
    run_loop()
    assert out == [(400, b'Missing or invalid Sec-WebSocket-Key header')]


def test_a_precreated_server_on_a_unix_socket(run_loop, tmp_path):
    path = str(tmp_path / ('ws-%s.sock' % os.urandom(4).hex()))
    server = http.createServer()
    server.listen(path)
    wss = WebSocketServer(server=server)
    urls = []

    def connection(ws, req):
        urls.append(req.url)
        if len(urls) == 2:
            for client in wss.clients:
                client.close()
            server.close()
    wss.on('connection', connection)
    ws = WebSocket('ws+unix:%s:/foo?bar=bar' % path)
    ws.on('open', lambda: WebSocket('ws+unix:%s' % path))
    run_loop()
    assert urls == ['/foo?bar=bar', '/']
