"""Node 20's tests of pushes, concurrency, buffering and streams destroyed
mid-write (test/parallel/test-http2-*.js), rewritten for pyuvnet: each
test names the Node test it ports. Both ends are pyuvnet's."""
import pyuvnet as net
from pyuvnet import http2
from http2_support import compat_get, countdown, exchange, listen


def test_a_push_reaches_the_client_with_its_headers(run_loop):
    # Ports test-http2-server-push-stream.js: the promise's scheme, path and
    # authority, then the push's head (200, content-type, x-push-data) on
    # 'push'; the request's own body is 'test'.
    seen = []

    def on_stream(stream, headers, *_):
        if headers[':path'] == '/':
            def pushed(err, push, *_):
                push.respond({'content-type': 'text/html', ':status': 200,
                              'x-push-data': 'pushed by server'})
                push.end('pushed by server data')
                stream.end('test')
            stream.pushStream({':scheme': 'http', ':path': '/foobar',
                               ':authority': 'localhost:1234'}, pushed)
        stream.respond({'content-type': 'text/html', ':status': 200})

    def client(session, done):
        def on_push_stream(stream, headers, *_):
            seen.append((headers[':scheme'], headers[':path'], headers[':authority']))
            stream.on('push', lambda headers, *_: seen.append(
                (headers[':status'], headers['content-type'], headers['x-push-data'])))
            stream.resume()
        session.on('stream', on_push_stream)
        req = session.request({':path': '/'})
        body = []
        req.on('data', body.append)
        req.on('end', lambda: (seen.append(b''.join(body)), session.destroy(), done()))
        req.end()
    exchange(run_loop, on_stream, client)
    assert seen == [('http', '/foobar', 'localhost:1234'), (200, 'text/html', 'pushed by server'),
                    b'test']


def test_max_concurrent_streams_one_serves_one_at_a_time(run_loop):
    # Ports test-http2-too-many-streams.js: with maxConcurrentStreams 1 the
    # server never has two streams open at once; the client's two requests
    # (and a third made after the first closed) are all served in turn.
    seen = []
    server = http2.createServer({'settings': {'maxConcurrentStreams': 1}})
    open_streams = [0]

    def on_stream(stream, *_):
        open_streams[0] += 1
        seen.append(open_streams[0])
        stream.respond()

        def finish():
            stream.end('ok')
            open_streams[0] -= 1
        net.setImmediate(finish)
    server.on('stream', on_stream)
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    dec = countdown(3, lambda: (server.close(), client.destroy()))

    def on_remote_settings(settings):
        seen.append(('max', client.remoteSettings['maxConcurrentStreams']))
        first = client.request()
        first.resume()

        def after_first():
            dec()

            def third():
                req = client.request()
                req.resume()
                req.on('close', dec)
            net.setImmediate(third)
        first.on('close', after_first)
        second = client.request()
        second.resume()
        second.on('close', dec)
    client.once('remoteSettings', on_remote_settings)
    run_loop(10)
    assert seen == [('max', 1), 1, 1, 1]


def test_buffer_size_counts_what_waits_to_be_sent(run_loop):
    # Ports test-http2-buffersize.js: two POSTs made before the connection
    # count each write of 30 bytes in bufferSize (30, 60, ... 300), then
    # end and close; the server reads each to its end and closes them.
    seen = []
    server = http2.createServer()

    def on_stream(stream, *_):
        stream.on('data', lambda chunk: None)
        stream.on('end', lambda: seen.append('end'))
        stream.on('close', dec)
    server.on('stream', on_stream)
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    dec = countdown(2, lambda: (client.close(), server.close()))
    errors = []
    for _ in range(2):
        stream = client.request({':method': 'POST'})
        stream.on('data', lambda chunk: None)
        sizes = []
        for _ in range(10):
            stream.write(bytes(30), lambda error=None: error and errors.append(error))
            sizes.append(stream.bufferSize)
        seen.append(sizes)
        stream.end()
        stream.close()
    run_loop(10)
    assert seen[:2] == [list(range(30, 301, 30))] * 2
    assert (seen[2:], errors) == (['end', 'end'], [])


def test_a_stream_destroyed_after_a_large_write_closes_both(run_loop, tls_certs):
    # Ports test-http2-large-write-destroy.js as Node 20 runs it (over TLS,
    # generated certificates): a response waiting for trailers writes
    # 60000 bytes and is destroyed; both ends close with rstCode 0 and no
    # 'error' (the copy read expects INTERNAL_ERROR on both).
    seen = []
    server = http2.createSecureServer({'key': tls_certs.key, 'cert': tls_certs.cert})

    def on_stream(stream, *_):
        stream.once('error', lambda error: seen.append(('server', str(error))))
        stream.on('close', lambda: seen.append(('server close', stream.rstCode)))
        stream.respond({'Content-Type': 'application/octet-stream', 'Content-Length': 120000,
                        'Vary': 'Accept-Encoding'}, {'waitForTrailers': True})
        stream.write(b'D' * 60000)
        stream.destroy()
    server.on('stream', on_stream)
    client = http2.connect('https://localhost:%d' % listen(run_loop, server),
                           {'rejectUnauthorized': False})
    req = client.request({':path': '/'})
    req.once('error', lambda error: seen.append(('client', str(error))))
    req.end()
    req.resume()
    req.on('close', lambda: (seen.append(('client close', req.rstCode)), client.close(),
                             server.close()))
    run_loop(10)
    assert sorted(seen, key=str) == [('client close', 0), ('server close', 0)]


def test_an_echo_destroyed_at_its_first_data_closes_clean(run_loop):
    # Ports test-http2-many-writes-and-destroy.js as Node 20 runs it: 4000
    # writes of 6 bytes to a compat server piping the request back; the
    # client destroys its request at the first echoed data: it closes with
    # rstCode 0 and no 'error' (the copy read expects CANCEL).
    seen = []
    server = http2.createServer(lambda req, res: req.pipe(res))

    def client(session, done):
        req = session.request({':method': 'POST'})
        req.once('error', lambda error: seen.append(str(error)))
        for _ in range(4000):
            req.write(bytes(6))
        req.on('close', lambda: (seen.append(('close', req.rstCode)), done()))
        req.once('data', lambda chunk: req.destroy())
    compat_get(run_loop, None, client, server)
    assert seen == [('close', 0)]


def test_a_hundred_requests_on_one_client_session(run_loop):
    # Ports test-http2-create-client-session.js: 100 GETs (flags 5 at the
    # server: END_STREAM and END_HEADERS), each answered in two writes
    # with a date; the h2c session is not encrypted, has no originSet and
    # negotiated 'h2c'.
    body = '<html><head></head><body><h1>this is some data</h2></body></html>'
    seen = {'flags': set(), 'bodies': 0, 'heads': set()}

    def on_stream(stream, headers, flags, *_):
        seen['flags'].add((headers[':scheme'], bool(headers[':authority']), headers[':method'],
                           flags))
        stream.respond({'content-type': 'text/html', ':status': 200})
        stream.write(body[:20])
        stream.end(body[20:])

    def client(session, done):
        session.setMaxListeners(101)
        session.on('connect', lambda *_: seen.update(
            connect=(session.encrypted, session.originSet, session.alpnProtocol)))
        dec = countdown(100, done)
        for _ in range(100):
            req = session.request()
            req.on('response', lambda headers, *_: seen['heads'].add(
                (headers[':status'], headers['content-type'], bool(headers['date']))))
            req.setEncoding('utf8')
            data = []
            req.on('data', data.append)
            req.on('end', lambda data=data: seen.update(
                bodies=seen['bodies'] + (''.join(data) == body)))
            req.on('close', dec)
    exchange(run_loop, on_stream, client)
    assert seen['flags'] == {('http', True, 'GET', 5)}
    assert seen['heads'] == {(200, 'text/html', True)} and seen['bodies'] == 100
    assert seen['connect'] == (False, None, 'h2c')


def test_a_connect_request_tunnels_to_a_tcp_server(run_loop):
    # Ports test-http2-connect-method.js: CONNECT needs :authority and
    # forbids :scheme and :path (ERR_HTTP2_CONNECT_*); a valid one reaches
    # a proxy that pipes it to a TCP server, which reads 'hello' and
    # answers 'hello' back through the tunnel.
    seen = []

    def on_tcp(socket):
        data = []
        socket.setEncoding('utf8')
        socket.on('data', data.append)
        socket.on('end', lambda: seen.append(('tcp end', ''.join(data))))
        socket.end('hello')
    tcp = net.createServer(on_tcp)
    tcp.listen(0, '127.0.0.1')
    port = tcp.address()['port']
    proxy = http2.createServer()

    def on_stream(stream, headers, *_):
        host, _, target_port = headers[':authority'].rpartition(':')
        seen.append((headers[':method'], host, int(target_port) == port))
        socket = net.connect(int(target_port), '127.0.0.1', lambda *_: (
            stream.respond(), socket.pipe(stream), stream.pipe(socket)))
        socket.on('error', lambda error: stream.close(http2.constants.NGHTTP2_CONNECT_ERROR))
    proxy.on('stream', on_stream)
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, proxy))
    from support import assert_code
    for headers, code, message in (
            ({':method': 'CONNECT'}, 'ERR_HTTP2_CONNECT_AUTHORITY',
             ':authority header is required for CONNECT requests'),
            ({':method': 'CONNECT', ':authority': 'localhost:%d' % port, ':scheme': 'http'},
             'ERR_HTTP2_CONNECT_SCHEME', 'The :scheme header is forbidden for CONNECT requests'),
            ({':method': 'CONNECT', ':authority': 'localhost:%d' % port, ':path': '/'},
             'ERR_HTTP2_CONNECT_PATH', 'The :path header is forbidden for CONNECT requests')):
        seen.append(str(assert_code(code, lambda: client.request(headers))) == message)
    req = client.request({':method': 'CONNECT', ':authority': 'localhost:%d' % port})
    req.on('response', lambda *_: seen.append('response'))
    req.setEncoding('utf8')
    data = []
    req.on('data', data.append)
    req.on('end', lambda: (seen.append(('end', ''.join(data))), client.destroy(), proxy.close(),
                           tcp.close()))
    req.end('hello')
    run_loop(10)
    assert seen[:4] == [True, True, True, ('CONNECT', 'localhost', True)]
    assert sorted(seen[4:], key=str) == [('end', 'hello'), ('tcp end', 'hello'), 'response']


def test_connect_takes_a_url_or_its_parts(run_loop, tls_certs):
    # Ports test-http2-create-client-connect.js: connect() with an
    # 'http://' string, or an options object (port; port and hostname)
    # with protocol 'http:', and the same over TLS ('https://', or
    # protocol 'https:', rejectUnauthorized false): each connects.
    # (Node's url.parse() and URL objects are its own; its 'socketError'
    # case is an event Node 20 no longer has.)
    seen = []
    server = http2.createServer()
    port = listen(run_loop, server)
    secure = http2.createSecureServer({'key': tls_certs.key, 'cert': tls_certs.cert})
    secure_port = listen(run_loop, secure)
    opts = {'rejectUnauthorized': False}
    items = [('http://localhost:%d' % port,), ({'port': port}, {'protocol': 'http:'}),
             ({'port': port, 'hostname': '127.0.0.1'}, {'protocol': 'http:'}),
             ('https://localhost:%d' % secure_port, opts),
             ({'port': secure_port, 'protocol': 'https:'}, opts),
             # (localhost: a servername that is an IP address warns, as Node's.)
             ({'port': secure_port, 'hostname': 'localhost', 'protocol': 'https:'}, opts)]
    dec = countdown(len(items), lambda: net.setImmediate(
        lambda: (server.close(), secure.close())))
    for item in items:
        client = http2.connect(*item)
        client.on('connect', lambda *_, client=client: (
            seen.append(client.encrypted), client.destroy(), dec()))
    run_loop(10)
    assert sorted(seen) == [False] * 3 + [True] * 3
