"""Node 20's http2 tests whose session runs over a JS-style Duplex (a
duplexPair() side, a program's own stream.Duplex), or whose TLS socket
does (issue 68's "TLS and HTTP/2 over any stream"); each test names the
Node file it ports."""
import pyuvnet as net
from pyuvnet import http2, stream, tls
from http2_support import DATA, HEADERS, parse_frames


def _pair_server(on_stream, **options):
    """A server whose one session runs over a duplexPair() side; the other
    side is returned for the client's createConnection."""
    server = http2.createServer(options)
    server.on('stream', on_stream)
    client_side, server_side = stream.duplexPair()
    server.emit('connection', server_side)
    return server, client_side


def _get_over_a_pair(on_stream, run_loop):
    """A GET of / by a client whose socket is one side of a duplexPair()
    served by ``on_stream``: [status, the body's text read by 'end', 'end']."""
    _, client_side = _pair_server(on_stream)
    client = http2.connect('http://localhost:80', createConnection=lambda *a: client_side)
    req = client.request({':path': '/'})
    log, data = [], []
    req.on('response', lambda headers, *a: log.append(headers[':status']))
    req.setEncoding('utf8')
    req.on('data', data.append)
    req.on('end', lambda: (log.extend([''.join(data), 'end']), client_side.destroy(),
                           client_side.end()))
    req.end()
    run_loop()
    return log


def test_http2_generic_streams_a_session_over_a_duplex_pair(run_loop):
    """test-http2-generic-streams.js: a request and its response over a
    duplexPair(), the client's socket from createConnection."""
    def on_stream(s, headers, flags, raw):
        s.respond({'content-type': 'text/html', ':status': 200})
        s.end('<h1>Hello World</h1>')
    assert _get_over_a_pair(on_stream, run_loop) == [200, '<h1>Hello World</h1>', 'end']


def test_http2_generic_streams_sendfile_over_a_duplex_pair(run_loop, tmp_path):
    """test-http2-generic-streams-sendfile.js: respondWithFile() over a
    duplexPair(): the client reads the whole file."""
    path = tmp_path / 'page.txt'
    path.write_text('line of text\n' * 2000)

    def on_stream(s, headers, flags, raw):
        s.respondWithFile(str(path))
    assert _get_over_a_pair(on_stream, run_loop) == [200, path.read_text(), 'end']


def test_http2_client_jsstream_destroy_closes_the_request(tls_certs, run_loop):
    """test-http2-client-jsstream-destroy.js: a client session over a
    stream.Duplex proxying a TLS socket; the TLS socket destroyed when the
    server sees the request: the request's 'close' comes."""
    server = http2.createSecureServer(key=tls_certs.key, cert=tls_certs.cert)
    server.listen(0, '127.0.0.1')
    port = server.address().port
    closed = []

    def proxy_for(socket):
        proxy = stream.Duplex(emitClose=True, read=lambda self, size: None,
                              write=lambda self, data, enc, cb: socket.write(data, enc, cb),
                              final=lambda self, cb: cb())
        socket.on('close', lambda *a: proxy.destroy())
        socket.on('data', proxy.push)
        return proxy

    def on_secure():
        proxy = proxy_for(socket)
        client = http2.connect('https://localhost:%d' % port, createConnection=lambda *a: proxy)
        req = client.request()
        server.on('request', lambda *a: socket.destroy())
        req.on('close', lambda *a: (closed.append(True), client.close(), server.close()))
    socket = tls.connect(port=port, host='localhost', rejectUnauthorized=False,
                         ALPNProtocols=['h2'])
    socket.on('secureConnect', on_secure)
    run_loop()
    assert closed == [True]


def test_http2_client_connection_tunnelling_tls_over_a_connect_stream(tls_certs, run_loop):
    """test-http2-client-connection-tunnelling.js: a CONNECT stream's
    response stream is handed to the (TLS) h2 server's 'connection', and
    the client's request stream carries a tls.connect({socket}); that TLS
    socket destroyed, the request's 'close' comes and all ends."""
    net_server = net.createServer()
    h2_server = http2.createSecureServer(key=tls_certs.key, cert=tls_certs.cert,
                                         ALPNProtocols=['h2'])

    def on_net_connection(socket):
        socket.allowHalfOpen = False
        h2_server.emit('connection', socket)
    net_server.on('connection', on_net_connection)
    h2_server.on('request', lambda req, res: (res.writeHead(200), res.end()))

    def on_connect(req, res):
        res.writeHead(200, {})
        net_server.emit('connection', res.stream)
    h2_server.on('connect', on_connect)
    log = []

    def on_listening():
        port = net_server.address().port
        proxy_client = http2.connect('https://localhost:%d' % port, rejectUnauthorized=False)
        proxy_req = proxy_client.request({':method': 'CONNECT', ':authority': 'example.com:443'})

        def on_response(headers, *a):
            log.append(headers[':status'])
            tls_socket = tls.connect(socket=proxy_req, ALPNProtocols=['h2'],
                                     rejectUnauthorized=False)
            proxy_req.on('close', lambda *a: (log.append('close'), proxy_client.close(),
                                              net_server.close()))
            tls_socket.destroy()
        proxy_req.on('response', on_response)
    net_server.listen(0, '127.0.0.1', on_listening)
    run_loop()
    assert log == [200, 'close']


def test_http2_backpressure_drain_waits_for_the_peer_to_read(run_loop):
    """test-http2-backpressure.js, over a duplexPair() whose writes call
    back once the other side reads: the server stream's writes of 5 and
    40 bytes (its mark 20) answer True then False, the client reads the
    5 then the 40, and only then comes 'drain'; writes after it answer
    True then False again, and 'drain' once more. As Node 20 (pinned
    there first), a write counts in writableLength until the socket's
    write of its frames is done (over a Duplex, an immediate after the
    Duplex calls back, as Node's JSStreamSocket), and twice in bufferSize
    until then."""
    seen = []
    requests = []

    def on_stream(s, headers, flags, raw):
        req = requests[0]
        s.respond({'content-type': 'text/html', ':status': 200})
        req._readableState.highWaterMark = 20
        s._writableState.highWaterMark = 20
        seen.append(('write', s.write('A' * 5), s.writableLength, s.bufferSize))
        seen.append(('write', s.write('A' * 40), s.writableLength, s.bufferSize))
        s.on('drain', lambda: seen.append(('drain', s.writableLength)))

        def first(data):
            seen.append(('data', data, s.writableLength))
            req.once('data', second)

        def second(data):
            seen.append(('data', data, s.writableLength))
            s.once('drain', lambda: seen.extend([('write', s.write('A' * 5)),
                                                  ('write', s.write('A' * 40))]))
        req.once('data', first)
    _, client_side = _pair_server(on_stream)
    client = http2.connect('http://localhost:80', createConnection=lambda *a: client_side)
    requests.append(client.request({':path': '/'}))
    requests[0].setEncoding('utf8')
    requests[0].end()
    run_loop()
    assert seen == [('write', True, 5, 10), ('write', False, 45, 50),
                    ('data', 'A' * 5, 45), ('data', 'A' * 40, 40), ('drain', 0),
                    ('write', True), ('write', False), ('drain', 0)]
    client.destroy()
    run_loop()


def _padded_exchange(run_loop, strategy):
    """A GET answered with 21 bytes over a duplexPair(), both ends with
    ``paddingStrategy``: (the body read, the frames each side wrote as
    [(type, length, pad length or None)])."""
    def on_stream(s, headers, flags, raw):
        s.respond({'content-type': 'text/html', ':status': 200})
        s.end('<h1>Hello World.</h1>')
    server = http2.createServer(paddingStrategy=strategy)
    server.on('stream', on_stream)
    client_side, server_side = stream.duplexPair()
    to_server, to_client = [], []
    server_side.on('data', to_server.append)
    client_side.on('data', to_client.append)
    server.emit('connection', server_side)
    client = http2.connect('http://localhost:80', paddingStrategy=strategy,
                           createConnection=lambda *a: client_side)
    req = client.request({':path': '/a'})
    req.setEncoding('utf8')
    body = []
    req.on('data', body.append)
    req.on('close', lambda *a: (client_side.destroy(), client_side.end()))
    req.end()
    run_loop()

    def frames(chunks):
        data = b''.join(chunks)
        data = data[24:] if data.startswith(b'PRI * HTTP/2.0') else data
        return [(kind, len(payload), payload[0] if flags & 0x8 else None)
                for kind, flags, _stream, payload in parse_frames(data)]
    return ''.join(body), frames(to_server), frames(to_client)


def _first(kind, frames):
    return next(f for f in frames if f[0] == kind)


def test_http2_padding_aligned_pads_each_frame_to_eight_bytes(run_loop):
    """test-http2-padding-aligned.js: server and client with
    PADDING_STRATEGY_ALIGNED (and CALLBACK, its alias) pad each HEADERS
    and DATA frame so that it and its 9-byte head are a multiple of 8
    bytes, as Node 20's wire (pinned there first: the request's HEADERS
    of 17 bytes goes as 23, with 5 bytes of padding; the 21-byte DATA as
    23, a pad length and no padding); other frames are not padded."""
    constants = http2.constants
    assert constants.PADDING_STRATEGY_ALIGNED == constants.PADDING_STRATEGY_CALLBACK
    body, to_server, to_client = _padded_exchange(run_loop, constants.PADDING_STRATEGY_ALIGNED)
    assert body == '<h1>Hello World.</h1>'
    padded = [f for f in to_server + to_client if f[0] in (HEADERS, DATA)]
    assert len(padded) == 3 and all((9 + length) % 8 == 0 for _kind, length, _pad in padded)
    assert all(pad is None for kind, _length, pad in to_server + to_client
               if kind not in (HEADERS, DATA))
    assert _first(HEADERS, to_server) == (HEADERS, 23, 5)
    assert _first(DATA, to_client) == (DATA, 23, 1)


def test_http2_padding_max_pads_each_frame_by_256_bytes(run_loop):
    """PADDING_STRATEGY_MAX pads each HEADERS and DATA frame with the most
    nghttp2 allows, 256 bytes (Node 20: the 17-byte request HEADERS goes
    as 273, the 21-byte DATA as 277); the default pads none."""
    body, to_server, to_client = _padded_exchange(run_loop, http2.constants.PADDING_STRATEGY_MAX)
    assert body == '<h1>Hello World.</h1>'
    assert _first(HEADERS, to_server) == (HEADERS, 17 + 256, 255)
    assert _first(DATA, to_client) == (DATA, 21 + 256, 255)
    body, to_server, to_client = _padded_exchange(run_loop, http2.constants.PADDING_STRATEGY_NONE)
    assert body == '<h1>Hello World.</h1>'
    assert _first(HEADERS, to_server) == (HEADERS, 17, None)
    assert _first(DATA, to_client) == (DATA, 21, None)
    assert all(pad is None for _kind, _length, pad in to_server + to_client)


def test_a_session_over_a_duplex_times_out_by_its_own_idle_timer(run_loop):
    """Node 20: a session whose socket is a plain Duplex (no setTimeout()
    of its own) keeps an idle timer itself: setTimeout() returns the
    session, -1 is ERR_OUT_OF_RANGE, and 'timeout' comes once the
    session is idle."""
    _, client_side = _pair_server(lambda *args: None)
    session = http2.connect('http://localhost:80', createConnection=lambda *a: client_side)
    log = []
    session.on('timeout', lambda: (log.append('timeout'), session.destroy()))
    session.on('close', lambda: log.append('close'))
    assert session.setTimeout(50) is session
    try:
        session.setTimeout(-1)
    except Exception as error:
        log.append(error.code)
    session.setTimeout(50)
    # (The timer is unref'd: this one keeps the loop up, then ends the pair.)
    net.setTimeout(client_side.destroy, 400)
    run_loop()
    assert log == ['ERR_OUT_OF_RANGE', 'timeout', 'close'] and session.destroyed
