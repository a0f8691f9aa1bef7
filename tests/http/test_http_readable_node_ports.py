"""Node 20's test/parallel files on an IncomingMessage's read side, its
'close' and closed: each ported case was run under /usr/bin/node (v20.20)
first, and the Node file is named in each test."""
import pyuvnet as net
import pyuvnet.http as http


def get(server, on_response, **options):
    req = http.get(dict({'port': server.address().port, 'host': '127.0.0.1'}, **options),
                   on_response)
    return req


def test_a_response_is_readable_until_its_end(run_loop):
    """test-http-response-readable.js: res.readable True, then False at 'end'."""
    def app(req, res):
        res.writeHead(200)
        res.end('Hello world')
    server = http.Server(app)
    server.listen(0, '127.0.0.1')
    seen = []

    def on_response(res):
        seen.append(res.readable)
        res.on('end', lambda: (seen.append(res.readable), server.close()))
        res.resume()
    get(server, on_response)
    run_loop()
    assert seen == [True, False]


def test_request_and_response_are_closed_at_their_close(run_loop):
    """test-http-req-res-close.js: res.closed at the response's 'close';
    req.closed, and the request ended, at the request's (Node 20: 'res
    finish', 'res close', 'req close', for a GET nobody read)."""
    log = []

    def app(req, res):
        res.end()
        res.on('finish', lambda: log.append('res finish'))
        res.on('close', lambda: log.append(('res close', res.closed)))
        req.on('close', lambda: log.append(('req close', req.closed, req.readableEnded)))
        res.socket.on('close', lambda *args: server.close())
    server = http.Server(app)
    server.listen(0, '127.0.0.1')

    def on_response(res):
        res.resume()
        res.on('end', lambda: res.socket.destroy())
    get(server, on_response)
    run_loop()
    assert log == ['res finish', ('res close', True), ('req close', True, True)]


def test_destroying_an_incoming_message_returns_it():
    """test-http-incoming-message-destroy.js."""
    message = http.IncomingMessage()
    assert message.destroy() is message


def test_a_response_paused_in_its_data_listener_ends_once(run_loop):
    """test-http-pause-resume-one-end.js: pause() in 'data', resume() on a
    timer: one 'data', one 'end'."""
    def app(req, res):
        res.writeHead(200, {'Content-Type': 'text/plain'})
        res.end('Hello World\n')
        server.close()
    server = http.Server(app)
    server.listen(0, '127.0.0.1')
    counts = {'data': 0, 'end': 0}

    def on_response(res):
        def on_data(chunk):
            counts['data'] += 1
            res.pause()
            net.setTimeout(res.resume, 1)
        res.on('data', on_data)
        res.on('end', lambda: counts.__setitem__('end', counts['end'] + 1))
    get(server, on_response, headers={'connection': 'close'})
    run_loop()
    assert counts == {'data': 1, 'end': 1}


def test_a_request_and_a_response_paused_for_a_while_lose_nothing(run_loop):
    """test-http-pause.js: the server pauses the request, the client the
    response, each resumes 100 ms later and reads the whole body."""
    got = {'server': [], 'client': []}

    def app(req, res):
        req.pause()

        def later():
            req.resume()
            req.setEncoding('utf8')
            req.on('data', got['server'].append)
            req.on('end', lambda: (res.writeHead(200), res.end('Response Body from Server')))
        net.setTimeout(later, 100)
    server = http.createServer(app)
    server.listen(0, '127.0.0.1')

    def on_response(res):
        res.pause()

        def later():
            res.resume()
            res.on('data', got['client'].append)
            res.on('end', server.close)
        net.setTimeout(later, 100)
    req = http.request({'port': server.address().port, 'host': '127.0.0.1', 'method': 'POST',
                        'path': '/'}, on_response)
    req.end('Request Body from Client')
    run_loop()
    assert ''.join(got['server']) == 'Request Body from Client'
    assert b''.join(got['client']) == b'Response Body from Server'


def test_the_servers_high_water_mark_and_the_default_reach_the_messages(run_loop):
    """test-http-server-options-highwatermark.js: a server's highWaterMark
    is its requests', responses' and sockets'; without it,
    stream.setDefaultHighWaterMark(False, n) is (the client's response
    takes the default too). Node 20.20 takes highWaterMark -1 at
    createServer() without an error, as pyuvnet does."""
    from pyuvnet import stream
    seen = []

    def run(options, default, then):
        stream.setDefaultHighWaterMark(False, default)

        def app(req, res):
            seen.append((req.readableHighWaterMark, res.writableHighWaterMark,
                         req.socket.readableHighWaterMark, req.socket.writableHighWaterMark))
            res.end()
        server = http.createServer(options, app)
        server.listen(0, '127.0.0.1')

        def on_response(res):
            seen.append(('response', res.readableHighWaterMark))
            res.resume()
            res.on('end', lambda: (server.close(), then()))
        get(server, on_response)
    before = stream.getDefaultHighWaterMark(False)
    http.createServer({'highWaterMark': -1})
    try:
        run({'highWaterMark': 14000}, 17000, lambda: run({}, 13000, lambda: None))
        run_loop()
    finally:
        stream.setDefaultHighWaterMark(False, before)
    assert seen == [(14000,) * 4, ('response', 17000), (13000,) * 4, ('response', 13000)]


def test_a_response_reads_to_its_sockets_readable_high_water_mark(run_loop):
    """test-http-incoming-message-options.js: a request whose
    createConnection makes its socket with readableHighWaterMark 1024 gets
    a response with that socket, both at 1024."""
    server = http.Server(lambda req, res: res.end())
    server.listen(0, '127.0.0.1')
    seen = []

    def create_connection(options):
        # (Node's test hands the request's options on whole; net refuses
        # options it does not know, so the address goes on alone.)
        return net.createConnection({'port': options['port'], 'host': options['host'],
                                     'readableHighWaterMark': 1024})

    def on_response(res):
        seen.append((res.socket is req.socket, res.socket.readableHighWaterMark,
                     res.readableHighWaterMark))
        res.on('end', server.close)
        res.resume()
    req = get(server, on_response, createConnection=create_connection)
    run_loop()
    assert seen == [(True, 1024, 1024)]
