"""Node 20's test-https-*.js for the server and the body over TLS, ported
(each docstring names the file): an answer ended by the connection,
paused reads, Host headers, maxHeadersCount both ways, timeouts, a
slowloris head, unix sockets, close() with an answer in flight, the
agent's createConnection() and a burst of requests over the global
agent.  The expected values are what Node 20 gives for the same
exchanges (certificates from tests/tls/tls_certs_support.py)."""
import os

import pyuvnet as net
import pyuvnet.https as https
import pyuvnet.tls as tls

from http_node_ports_support import body_of
from https_node_ports_support import hello, serve  # noqa: F401 (a fixture)


def no_check(port, **options):
    return dict({'host': '127.0.0.1', 'port': port, 'rejectUnauthorized': False}, **options)


def test_an_answer_without_length_ends_with_the_tls_connection(run_loop, tls_certs):
    """test-https-eof-for-eom.js: neither Content-Length nor chunked: the
    body is everything until the server ends the connection."""
    got = []

    def on_secure(conn):
        conn.write(b'HTTP/1.1 200 OK\r\nServer: gws\r\nConnection: close\r\n\r\n')
        conn.write(b'a\n')
        net.setTimeout(lambda: conn.end(b'b\n'), 20)
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert}, on_secure)

    def start():
        def on_response(res):
            res.setEncoding('utf8')
            chunks = []
            res.on('data', chunks.append)
            res.on('end', lambda: (got.append((res.headers['server'], ''.join(chunks),
                                               res.complete)), server.close()))
        https.get(no_check(server.address().port, agent=False), on_response)
    server.listen(0, '127.0.0.1', start)
    run_loop()
    assert got == [('gws', 'a\nb\n', True)]


def test_a_body_read_with_a_pause_per_chunk_arrives_whole(serve):
    """test-https-truncate.js: 32 KiB + 1 bytes, paused and resumed on
    every chunk: all of them, none left buffered at 'end'."""
    data = b'x' * (32 * 1024 + 1)
    got = []

    def app(req, res):
        res.setHeader('content-length', len(data))
        res.end(data)

    def exchange(server, port, done):
        def on_response(res):
            count = [0]

            def on_data(chunk):
                count[0] += len(chunk)
                res.pause()
                net.setTimeout(res.resume, 0)
            res.on('data', on_data)
            res.on('end', lambda: (got.append((count[0], res.readableLength)), done()))
        https.get(no_check(port, agent=False), on_response)
    serve(app, exchange)
    assert got == [(len(data), 0)]


def test_every_method_sends_the_host_and_port_unless_set_host_is_false(serve):
    """test-https-host-headers.js: GET, POST, PUT, DELETE over the global
    agent all carry 'localhost:<port>'; setHost false sends none, which
    Node 20's server refuses with 400 (requireHostHeader)."""
    hosts = {}
    statuses = []

    def app(req, res):
        hosts[req.url] = req.headers.get('host')
        res.writeHead(200, {})
        res.end('ok')

    def exchange(server, port, done):
        left = [6]

        def answered(res):
            statuses.append(res.statusCode)
            res.resume()
            left[0] -= 1
            if left[0] == 0:
                done()
        for index, method in enumerate(('GET', 'GET', 'POST', 'PUT', 'DELETE')):
            https.request(no_check(port, host='localhost', method=method, path='/%d' % index),
                          answered).end()
        https.get(no_check(port, host='localhost', path='/setHostFalse5', setHost=False),
                  answered)
    serve(app, exchange)
    port = next(iter(hosts.values())).split(':')[1]
    assert hosts == {'/%d' % index: 'localhost:' + port for index in range(5)}
    assert sorted(statuses) == [200] * 5 + [400]


def test_options_replace_the_host_and_port_of_a_url(serve):
    """test-https-request-arguments.js: get(url, options): the options'
    hostname and port win, the url's path stays."""
    urls = []

    def app(req, res):
        urls.append(req.url)
        res.end()

    def exchange(server, port, done):
        https.get('https://example.com/testpath',
                  {'hostname': 'localhost', 'port': port, 'rejectUnauthorized': False},
                  lambda res: (res.resume(), res.on('end', done)))
    serve(app, exchange)
    assert urls == ['/testpath']


def test_bytes_written_counts_the_answer_at_finish(serve):
    """test-https-byteswritten.js"""
    counts = []

    def app(req, res):
        res.on('finish', lambda: counts.append(req.socket.bytesWritten))
        res.writeHead(200, {'Content-Type': 'text/plain'})
        res.end('hello world\n')

    def exchange(server, port, done):
        https.get(no_check(port, agent=False), lambda res: (res.resume(), res.on('end', done)))
    serve(app, exchange)
    assert len(counts) == 1 and counts[0] > len('hello world\n')


def test_max_headers_count_on_the_server_and_on_the_request(serve):
    """test-https-max-headers-count.js: 101 headers each way; the server
    keeps 50, the request (maxHeadersCount 20) keeps 20."""
    headers = dict({'host': 'example.com'}, **{'key%d' % index: index for index in range(100)})
    got = []

    def app(req, res):
        res.writeHead(200, dict(headers, Connection='close'))
        res.end(str(len(req.headers)))

    def exchange(server, port, done):
        server.maxHeadersCount = 50
        req = https.request(no_check(port, headers=headers), lambda res: body_of(
            res, lambda body: (got.append((int(body), len(res.headers))), done())))
        req.maxHeadersCount = 20
        req.end()
    serve(app, exchange)
    assert got == [(50, 20)]


def test_server_set_timeout_gives_the_tls_socket_and_returns_the_server(serve):
    """test-https-set-timeout-server.js (serverTimeout): a request left
    unanswered: the server's 'timeout' with the TLSSocket; the client,
    its socket destroyed, gets 'socket hang up'."""
    got = []

    def exchange(server, port, done):
        returned = server.setTimeout(50, lambda socket: (
            got.append(type(socket).__name__), socket.destroy()))
        got.append(returned is server)
        https.get(no_check(port, agent=False)).on('error', lambda error: (
            got.append((error.code, str(error))), done()))
    serve(lambda req, res: None, exchange)
    assert got == [True, 'TLSSocket', ('ECONNRESET', 'socket hang up')]


def test_a_slow_head_is_cut_by_headers_timeout_with_408(serve):
    """test-https-slow-headers.js: one byte of a header every 10 ms; after
    headersTimeout the server answers 408 and closes (Node 20 checks every
    connectionsCheckingInterval; no 'request', no 'timeout')."""
    got = []

    def exchange(server, port, done):
        server.on('timeout', lambda socket: got.append('timeout'))
        client = tls.connect(no_check(port))
        client.write(b'GET / HTTP/1.1\r\nHost: localhost\r\nX-CRASH: ')
        ticker = net.setInterval(lambda: client.write(b'a'), 10)
        chunks = []
        client.on('data', chunks.append)
        client.on('error', lambda error: None)
        client.on('close', lambda had_error: (ticker.close(), got.append(b''.join(chunks)), done()))
    serve(lambda req, res: got.append('request'), exchange, headersTimeout=50,
          requestTimeout=1000, connectionsCheckingInterval=10)
    assert got == [b'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n']


def test_a_request_over_a_unix_socket(run_loop, tls_certs, sockdir):
    """test-https-unix-socket-self-signed.js: socketPath, a self-signed
    certificate, rejectUnauthorized false."""
    path = os.path.join(sockdir, 'https.sock')
    got = []

    def app(req, res):
        res.end('bye\n')
        server.close()
    server = https.createServer({'key': tls_certs.self_key, 'cert': tls_certs.self_cert}, app)
    server.listen(path, lambda: https.get(
        {'socketPath': path, 'rejectUnauthorized': False},
        lambda res: body_of(res, lambda body: (got.append((res.statusCode, body)),
                                               https.globalAgent.destroy()))))
    run_loop()
    assert got == [(200, 'bye\n')]


def test_close_with_an_answer_in_flight_aborts_the_response(serve):
    """test-https-close.js: the connections destroyed under a response
    still being written: close()'s callback, then the response's
    'aborted', the request's 'close', the response's ECONNRESET error and
    'close', as Node orders them."""
    events = []

    def exchange(server, port, done):
        connections = []
        server.on('connection', connections.append)

        def shutdown():
            server.close(lambda *args: events.append('closed'))
            for connection in connections:
                connection.destroy()

        def on_response(res):
            res.on('data', lambda data: None)
            res.on('aborted', lambda: events.append('res aborted'))
            res.on('error', lambda error: events.append(('res error', error.code)))
            res.on('close', lambda: (events.append('res close'), done()))
            net.setImmediate(shutdown)
        req = https.request(no_check(port), on_response)
        req.on('error', lambda error: events.append(('req error', error.code)))
        req.on('close', lambda: events.append('req close'))
        req.end()
    serve(lambda req, res: res.write('data'), exchange)
    assert events == ['closed', 'res aborted', 'req close', ('res error', 'ECONNRESET'),
                      'res close']


def test_create_connection_takes_port_host_and_options_and_keeps_them(serve):
    """test-https-agent-create-connection.js: createConnection(port, host,
    options) leaves ``options`` as it was; with None for options the
    certificate is checked and refused."""
    got = []

    def exchange(server, port, done):
        agent = https.Agent()
        options = {'port': 3000, 'rejectUnauthorized': False}
        socket = agent.createConnection(port, '127.0.0.1', options)
        chunks = []
        socket.on('connect', lambda: (socket.write(b'GET / HTTP/1.1\r\nHost: h\r\n\r\n'),
                                      socket.end()))
        socket.on('data', chunks.append)

        def refused():
            bad = agent.createConnection(port, '127.0.0.1', None)
            bad.on('error', lambda error: (got.append(error.code), done()))
        socket.on('end', lambda: (got.append((b''.join(chunks).startswith(b'HTTP/1.1 200 OK'),
                                              b'hello world' in b''.join(chunks), options)),
                                  refused()))
    serve(hello, exchange)
    assert got == [(True, True, {'port': 3000, 'rejectUnauthorized': False}),
                   'UNABLE_TO_VERIFY_LEAF_SIGNATURE']


def test_bursts_of_requests_over_the_global_agent_are_all_answered(serve):
    """test-https-agent.js (four bursts of four there; two of four here, to
    keep the handshakes short): every get is answered."""
    statuses = []

    def exchange(server, port, done):
        def burst():
            for _ in range(4):
                https.get(no_check(port, path='/'), lambda res: (
                    res.resume(), statuses.append(res.statusCode),
                    len(statuses) == 8 and done()))
        for index in range(2):
            net.setTimeout(burst, index)
    serve(hello, exchange)
    assert statuses == [200] * 8


def test_a_self_signed_certificate_without_key_cert_sign_is_its_own_ca(serve, tls_certs):
    """test-https-selfsigned-no-keycertsign-no-crash.js: a self-signed
    leaf whose keyUsage lacks keyCertSign, given as the client's ``ca``:
    the request is answered, authorized (as Node 20 with OpenSSL 3)."""
    from tls_certs_support import _run
    _run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
         '-keyout', 'nokcs.key', '-out', 'nokcs.pem', '-subj', '/CN=127.0.0.1', '-days', '2',
         '-addext', 'keyUsage=digitalSignature,keyEncipherment',
         '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'basicConstraints=CA:FALSE',
         cwd=tls_certs.folder)
    cert = tls_certs.read('nokcs.pem')
    got = []

    def exchange(server, port, done):
        req = https.request({'hostname': '127.0.0.1', 'port': port, 'ca': cert, 'agent': False},
                            lambda res: body_of(res, lambda body: (
                                got.append((res.statusCode, body, req.socket.authorized)),
                                done())))
        req.on('error', lambda error: (got.append(error), done()))
        req.end()
    serve(hello, exchange, key=tls_certs.read('nokcs.key'), cert=cert)
    assert got == [(200, 'hello world\n', True)]


def test_an_echo_under_backpressure_returns_every_byte(serve):
    """test-https-drain.js: the response paused, the client writes 64 KiB
    chunks until write() says to wait, then resumes: every byte comes
    back through req.pipe(res)."""
    chunk = b'x' * 65536
    got = []

    def app(req, res):
        res.writeHead(200)
        req.pipe(res)

    def exchange(server, port, done):
        sent = [1]
        received = [0]

        def on_response(res):
            res.pause()

            def send():
                sent[0] += len(chunk)
                if req.write(chunk) and sent[0] < 64 * len(chunk):
                    net.setImmediate(send)
                else:
                    res.resume()

            def on_data(data):
                received[0] += len(data)
                if received[0] == sent[0]:
                    req.end()
            res.on('data', on_data)
            res.on('end', lambda: (got.append((sent[0], received[0])), done()))
            send()
        req = https.request(no_check(port, method='POST', agent=False), on_response)
        req.write(b'a')
    serve(app, exchange)
    assert got and got[0][0] == got[0][1] and got[0][0] > 65536


def test_request_and_response_set_timeout_over_tls(serve):
    """test-https-set-timeout-server.js (serverRequestTimeout,
    serverResponseTimeout): req.setTimeout() on a body that stalls and
    res.setTimeout() on an unanswered GET each fire; destroying the socket
    in them is the client's ECONNRESET."""
    got = []

    def on_request(req, res):
        if req.method == 'POST':
            req.setTimeout(50, lambda *args: (got.append('req timeout'), req.socket.destroy()))
        else:
            res.setTimeout(50, lambda *args: (got.append('res timeout'), res.socket.destroy()))

    def exchange(server, port, done):
        def get():
            https.get(no_check(port, agent=False)).on('error', lambda error: (
                got.append(error.code), done()))
        req = https.request(no_check(port, method='POST', agent=False))
        req.on('error', lambda error: (got.append(error.code), get()))
        req.write('Hello')
    serve(on_request, exchange)
    assert got == ['req timeout', 'ECONNRESET', 'res timeout', 'ECONNRESET']


def test_an_idle_keep_alive_tls_connection_times_out_on_the_server_only(serve):
    """test-https-set-timeout-server.js (idleTimeout): after its answer,
    the connection idles: the server's setTimeout callback, not the
    request's or the response's 'timeout'.  keepAliveTimeout is 0 here, so
    the idle socket keeps the server's 50 ms (a keep-alive one would be
    keepAliveTimeout plus Node 20's 1000 ms:
    test_http_server_connections.py)."""
    got = []

    def on_request(req, res):
        req.on('timeout', lambda: got.append('req'))
        res.on('timeout', lambda: got.append('res'))
        res.end()

    def exchange(server, port, done):
        server.setTimeout(50, lambda socket: (got.append('server'), socket.destroy()))
        client = tls.connect(no_check(port), lambda: client.write(
            b'GET /1 HTTP/1.1\r\nHost: localhost\r\n\r\n'))
        client.resume()
        client.on('close', lambda had_error: done())
    serve(on_request, exchange, keepAliveTimeout=0)
    assert got == ['server']


def test_a_pipelined_request_left_unanswered_times_out(serve):
    """test-https-set-timeout-server.js (serverResponseTimeoutWithPipeline):
    /1 answered, /2 not: /2's res.setTimeout fires, then the server's
    'timeout'; /3 never starts."""
    got = []

    def on_request(req, res):
        res.setTimeout(50, lambda *args: got.append('res timeout ' + req.url))
        if req.url == '/1':
            res.end()

    def exchange(server, port, done):
        server.on('timeout', lambda socket: (got.append('server timeout'), socket.destroy()))
        client = tls.connect(no_check(port), lambda: client.write(b''.join(
            b'GET /%d HTTP/1.1\r\nHost: localhost\r\n\r\n' % index for index in (1, 2, 3))))
        client.resume()
        client.on('close', lambda had_error: done())
    serve(on_request, exchange)
    assert got == ['res timeout /2', 'server timeout']
