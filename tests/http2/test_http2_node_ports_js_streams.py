"""Node 20's http2 tests whose session runs over a JS-style Duplex (a
duplexPair() side, a program's own stream.Duplex), or whose TLS socket
does (issue 68's "TLS and HTTP/2 over any stream"); each test names the
Node file it ports."""
import pyuvnet as net
from pyuvnet import http2, stream, tls


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
