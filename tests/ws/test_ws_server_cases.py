"""More of ws v8's test/websocket-server.test.js: the 'wsClientError'
event in place of the 400, and a Hixie-76 handshake refused for its
missing Sec-WebSocket-Key."""
from pyuvnet import http
from pyuvnet.ws import WebSocketError, WebSocketServer


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



HANDSHAKE = {'Connection': 'Upgrade', 'Upgrade': 'websocket',
             'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13'}


def answer_of(port, headers, out, done):
    """GET with ``headers``; (status, body) of the answer into ``out``, then done()."""
    req = http.get({'host': '127.0.0.1', 'port': port, 'headers': headers})

    def response(res):
        chunks = []
        res.on('data', chunks.append)
        res.on('end', lambda: (out.append((res.statusCode, b''.join(chunks))), done()))
    req.on('response', response)
    return req


def test_an_upgrade_header_past_max_headers_count_is_a_400(run_loop):
    server = http.createServer()
    server.maxHeadersCount = 1
    wss = WebSocketServer(noServer=True)
    out = []

    def upgrade(req, socket, head):
        out.append(dict(req.headers))
        wss.handleUpgrade(req, socket, head, lambda ws, req: out.append('callback'))
    server.on('upgrade', upgrade)
    server.listen(0, '127.0.0.1')
    answer_of(server.address()['port'], {'foo': 'bar', 'bar': 'baz', 'Connection': 'Upgrade',
                                         'Upgrade': 'websocket'}, out, server.close)
    run_loop()
    assert out == [{'foo': 'bar'}, (400, b'Invalid Upgrade header')]


def test_an_invalid_extensions_header_is_a_400(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1', perMessageDeflate=True)
    out = []
    wss.on('connection', lambda ws, req: out.append('connection'))
    answer_of(wss.address()['port'], dict(HANDSHAKE, **{
        'Sec-WebSocket-Extensions': 'permessage-deflate; server_max_window_bits=foo'}),
        out, wss.close)
    run_loop()
    assert out == [(400, b'Invalid or unacceptable Sec-WebSocket-Extensions header')]


def test_an_unsupported_extension_is_left_out(run_loop):
    wss = WebSocketServer(port=0, host='127.0.0.1', perMessageDeflate=True)
    out = []
    wss.on('connection', lambda ws, req: (out.append(('extensions', ws.extensions)), ws.close()))
    req = http.get({'host': '127.0.0.1', 'port': wss.address()['port'],
                    'headers': dict(HANDSHAKE, **{'Sec-WebSocket-Extensions': 'foo; bar'})})

    def upgraded(res, socket, head):
        out.append(('accepted', res.headers.get('sec-websocket-extensions')))

        def first(chunk):
            out.append(('first byte', chunk[0]))
            socket.destroy()
            wss.close()
        if head:
            first(head)
        else:
            socket.once('data', first)
    req.on('upgrade', upgraded)
    run_loop()
    assert out == [('extensions', ''), ('accepted', None), ('first byte', 0x88)]
