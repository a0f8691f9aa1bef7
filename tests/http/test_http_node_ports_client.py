"""Node 20's http client tests, ported (each docstring names the file):
100-continue, 1xx information, upgrade, timeouts, destroy, HEAD, an
answer without headers, keep-alive reuse, maxHeadersCount.  pyuvnet's
client talks to pyuvnet's server here; the expected events and values are
what Node 20 gives running the same exchanges with its own client and
server (test_http_client.py runs pyuvnet's client against Node's server)."""
import json


import pyuvnet as net
import pyuvnet.http as http

from http_node_ports_support import body_of, serve  # noqa: F401 (a fixture)


def echo(req, res):
    body_of(req, lambda body: res.end('got ' + body))


def test_expect_100_continue_sends_the_head_at_once_and_the_body_after_continue(serve):
    """test-http-expect-continue.js: the head is sent by the constructor
    (setHeader() then raises ERR_HTTP_HEADERS_SENT); the server's
    'checkContinue' answers 100; the client's 'continue' sends the body."""
    events = []

    def check_continue(req, res):
        events.append(('checkContinue', req.headers['expect']))
        res.writeContinue()
        echo(req, res)

    def exchange(server, port, done):
        server.on('checkContinue', check_continue)
        req = http.request({'port': port, 'host': '127.0.0.1', 'method': 'POST',
                            'headers': {'Expect': '100-continue'}},
                           lambda res: (events.append(('response', res.statusCode)),
                                        body_of(res, lambda body: (events.append(body), done()))))
        events.append(('headersSent', req.headersSent))
        try:
            req.setHeader('X-Late', '1')
        except http.ERR_HTTP_HEADERS_SENT as error:
            events.append(error.code)
        req.on('continue', lambda: (events.append('continue'), req.end('body')))
    serve(echo, exchange)
    assert events == [('headersSent', True), 'ERR_HTTP_HEADERS_SENT',
                      ('checkContinue', '100-continue'), 'continue', ('response', 200),
                      'got body']


def test_information_events_for_102_and_103_with_one_joined_link(serve):
    """test-http-information-processing.js and test-http-early-hints.js: a
    list of links is one Link line joined with ', ', as Node sends it."""
    infos = []

    def app(req, res):
        res.writeProcessing()
        res.writeEarlyHints({'link': ['</a>; rel=preload', '</b>; rel=preload'], 'x-h': 'v'})
        res.end('ok')

    def exchange(server, port, done):
        req = http.get({'port': port, 'host': '127.0.0.1'},
                       lambda res: body_of(res, lambda body: done()))
        req.on('information', lambda info: infos.append(
            (info['statusCode'], info['statusMessage'], info['headers'], info['rawHeaders'])))
    serve(app, exchange)
    assert infos == [
        (102, 'Processing', {}, []),
        (103, 'Early Hints', {'link': '</a>; rel=preload, </b>; rel=preload', 'x-h': 'v'},
         ['Link', '</a>; rel=preload, </b>; rel=preload', 'x-h', 'v'])]


def test_an_upgrade_gives_the_client_the_response_the_socket_and_the_bytes_after(serve):
    """test-http-upgrade-client.js"""
    got = []

    def exchange(server, port, done):
        server.on('upgrade', lambda req, socket, head: socket.end(
            b'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\nfirst'))
        req = http.get({'port': port, 'host': '127.0.0.1',
                        'headers': {'Connection': 'Upgrade', 'Upgrade': 'x'}})
        req.on('upgrade', lambda res, socket, head: (
            got.append((res.statusCode, res.headers['upgrade'], head)), socket.destroy(), done()))
    serve(echo, exchange)
    assert got == [(101, 'x', b'first')]


def test_a_request_timeout_emits_timeout_and_destroy_is_a_socket_hang_up(serve):
    """test-http-client-timeout-event.js: setTimeout's callback, then
    'timeout'; destroy() in it gives 'error' (ECONNRESET, 'socket hang up')
    then 'close'."""
    events = []

    def exchange(server, port, done):
        req = http.get({'port': port, 'host': '127.0.0.1', 'agent': False})
        req.setTimeout(30, lambda: events.append('callback'))
        req.on('timeout', lambda: (events.append('timeout'), req.destroy()))
        req.on('error', lambda error: events.append((error.code, str(error))))
        req.on('close', lambda: (events.append('close'), done()))
    serve(lambda req, res: None, exchange)
    assert events == ['callback', 'timeout', ('ECONNRESET', 'socket hang up'), 'close']


def test_destroy_before_the_answer_is_a_socket_hang_up_then_close(serve):
    """test-http-client-abort-destroy.js"""
    events = []

    def exchange(server, port, done):
        req = http.get({'port': port, 'host': '127.0.0.1', 'agent': False})
        req.on('socket', lambda socket: (events.append('socket'), net.setImmediate(req.destroy)))
        req.on('error', lambda error: events.append((error.code, str(error))))
        req.on('close', lambda: (events.append('close'), done()))
    serve(lambda req, res: None, exchange)
    assert events == ['socket', ('ECONNRESET', 'socket hang up'), 'close']


def test_a_head_answer_ends_without_data(serve):
    """test-http-head-response-has-no-body.js (the client's side)."""
    events = []

    def app(req, res):
        res.writeHead(200)
        res.end('FAIL')

    def on_response(res, done):
        events.append((res.statusCode, res.headers.get('content-length')))
        res.on('data', lambda chunk: events.append('data'))
        res.on('end', lambda: (events.append('end'), done()))

    def exchange(server, port, done):
        http.request({'port': port, 'host': '127.0.0.1', 'method': 'HEAD'},
                     lambda res: on_response(res, done)).end()
    serve(app, exchange)
    assert events == [(200, None), 'end']


def test_an_http_1_0_answer_without_headers_ends_with_the_connection(run_loop):
    """test-http-response-no-headers.js"""
    got = []
    raw = net.createServer(lambda conn: conn.on('data', lambda data: conn.end(
        b'HTTP/1.0 200 OK\r\n\r\nhello')))

    def start():
        http.get({'port': raw.address().port, 'host': '127.0.0.1', 'agent': False},
                 lambda res: body_of(res, lambda body: (
                     got.append((res.httpVersion, res.headers, body)), raw.close())))
    raw.listen(0, '127.0.0.1', start)
    run_loop()
    assert got == [('1.0', {}, 'hello')]


def test_a_keep_alive_agent_reuses_the_socket_of_the_last_request(serve):
    """test-http-agent-keepalive.js: the second request, after the first
    ended, runs on the same connection and says reusedSocket."""
    seen = []
    agent = http.Agent(keepAlive=True)

    def one(port, then):
        req = http.get({'port': port, 'host': '127.0.0.1', 'agent': agent},
                       lambda res: body_of(res, lambda body: (
                           seen.append((req.reusedSocket, body)), then())))

    def exchange(server, port, done):
        one(port, lambda: net.setImmediate(one, port, lambda: (agent.destroy(), done())))
    serve(lambda req, res: res.end(str(req.socket.remotePort)), exchange)
    assert [reused for reused, _ in seen] == [False, True]
    assert seen[0][1] == seen[1][1]


def test_max_headers_count_drops_the_headers_after_it(serve):
    """test-http-max-headers-count.js: the server's ``headers`` keep
    maxHeadersCount headers (rawHeaders all of these few, as Node's); a
    Host past them is missing, and that is a 400, as Node's."""
    got = []

    def exchange(server, port, done):
        server.maxHeadersCount = 2

        def kept():
            http.get({'port': port, 'host': '127.0.0.1', 'agent': False,
                      'headers': {'Host': 'h', 'X-A': '1', 'X-B': '2'}},
                     lambda res: body_of(res, lambda body: (got.append(json.loads(body)), done())))
        http.get({'port': port, 'host': '127.0.0.1', 'agent': False,
                  'headers': {'X-A': '1', 'X-B': '2', 'X-C': '3'}},
                 lambda res: body_of(res, lambda body: (got.append(res.statusCode), kept())))
    serve(lambda req, res: res.end(json.dumps([list(req.headers), len(req.rawHeaders)])), exchange)
    assert got == [400, [['host', 'x-a'], 8]]
