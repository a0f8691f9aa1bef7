"""Node 20's test-http-*.js for the client's answers and http.Agent's
pool, ported (each docstring names the file): answers llhttp refuses
(their codes, reasons, bytesParsed), trailers, a chunked upload, and
maxSockets with 'free' and a kept socket that dies.  The expected values
are what Node 20 gives for the same exchanges."""
import json

import pytest

import pyuvnet as net
import pyuvnet.http as http

from http_node_ports_support import body_of, serve  # noqa: F401 (a fixture)


def raw_server(answer, then):
    """A TCP server that answers anything with ``answer`` and ends; then
    ``then(server, port)`` once it listens."""
    server = net.createServer(lambda conn: conn.once('data', lambda data: conn.end(answer)))
    server.listen(0, '127.0.0.1', lambda: then(server, server.address().port))
    return server


def test_an_answer_with_two_content_lengths_is_a_parse_error(run_loop):
    """test-http-response-multi-content-length.js (two that differ): the
    request's 'error' is HPE_UNEXPECTED_CONTENT_LENGTH, 'Duplicate
    Content-Length'; no 'response'."""
    got = []

    def then(server, port):
        req = http.get({'port': port, 'host': '127.0.0.1', 'agent': False},
                       lambda res: got.append('response'))
        req.on('error', lambda error: (got.append((error.code, str(error))), server.close()))
    raw_server(b'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', then)
    run_loop()
    assert got == [('HPE_UNEXPECTED_CONTENT_LENGTH', 'Parse Error: Duplicate Content-Length')]


def test_an_answer_that_is_not_http_is_a_parse_error_then_close(run_loop):
    """test-http-client-parse-error.js: HPE_INVALID_CONSTANT, 'Expected
    HTTP/, RTSP/ or ICE/', then 'close'."""
    events = []

    def then(server, port):
        req = http.get({'port': port, 'host': '127.0.0.1', 'agent': False})
        req.on('error', lambda error: events.append((error.code, error.reason)))
        req.on('close', lambda: (events.append('close'), server.close()))
    raw_server(b'GARBAGE\r\n\r\n', then)
    run_loop()
    assert events == [('HPE_INVALID_CONSTANT', 'Expected HTTP/, RTSP/ or ICE/'), 'close']


def test_a_chunked_answer_gives_its_trailers(run_loop):
    """test-http-set-trailers.js (the client's side): the body, then
    trailers and rawTrailers at 'end'."""
    got = []

    def then(server, port):
        def on_response(res):
            body_of(res, lambda body: (got.append((body, res.trailers, res.rawTrailers)),
                                       server.close()))
        http.get({'port': port, 'host': '127.0.0.1', 'agent': False}, on_response)
    raw_server(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-t\r\n\r\n'
               b'3\r\nabc\r\n0\r\nx-t: v\r\n\r\n', then)
    run_loop()
    assert got == [('abc', {'x-t': 'v'}, ['x-t', 'v'])]


def test_a_bad_chunk_size_in_an_answer_errors_the_request_and_aborts_the_response(run_loop):
    """test-http-chunked-smuggling.js (the client's side): the request's
    'error' is HPE_INVALID_CHUNK_SIZE; the response is 'aborted', the
    request closes, then the response's ECONNRESET, as Node orders them."""
    events = []

    def then(server, port):
        def on_response(res):
            res.on('data', lambda data: None)
            res.on('error', lambda error: events.append(('res error', error.code)))
            res.on('aborted', lambda: events.append('aborted'))
        req = http.get({'port': port, 'host': '127.0.0.1', 'agent': False}, on_response)
        req.on('error', lambda error: events.append((error.code, str(error))))
        req.on('close', lambda: (events.append('close'), server.close()))
    raw_server(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
               then)
    run_loop()
    assert events == [('HPE_INVALID_CHUNK_SIZE', 'Parse Error: Invalid character in chunk size'),
                      'aborted', 'close', ('res error', 'ECONNRESET')]


def test_writes_without_a_length_are_a_chunked_upload(serve):
    """test-http-client-upload.js: write(), write(),
    end(last): Transfer-Encoding chunked, no Content-Length, every byte."""
    got = []

    def app(req, res):
        body_of(req, lambda body: res.end(json.dumps(
            [req.headers.get('transfer-encoding'), req.headers.get('content-length'), body])))

    def exchange(server, port, done):
        req = http.request({'port': port, 'host': '127.0.0.1', 'method': 'POST', 'agent': False},
                           lambda res: body_of(res, lambda body: (got.append(json.loads(body)),
                                                                   done())))
        req.write('ab')
        req.write('cd')
        req.end('e')
    serve(app, exchange)
    assert got == [['chunked', None, 'abcde']]


def test_max_sockets_holds_requests_and_frees_sockets_to_the_pool(serve):
    """test-http-agent-maxsockets.js and test-http-agent-destroyed-socket.js:
    four requests, maxSockets 2: never more than two sockets, 'free' four
    times, two kept free at the end; a kept socket destroyed leaves the
    pool."""
    got = []

    def exchange(server, port, done):
        agent = http.Agent(keepAlive=True, maxSockets=2)
        frees = []
        agent.on('free', lambda socket, options: frees.append(options['host']))
        most = [0]
        ended = [0]

        def finished():
            pools = (len(agent.sockets), sum(map(len, agent.freeSockets.values())),
                     len(agent.requests))
            got.append((most[0], len(frees), pools))
            free = next(iter(agent.freeSockets.values()))[0]
            free.on('close', lambda had_error: net.setImmediate(lambda: (
                got.append(sum(map(len, agent.freeSockets.values()))), agent.destroy(), done())))
            free.destroy()

        def on_response(res):
            most[0] = max(most[0], sum(map(len, agent.sockets.values())))
            res.resume()
            res.on('end', lambda: (ended.__setitem__(0, ended[0] + 1),
                                   ended[0] == 4 and net.setImmediate(finished)))
        for _ in range(4):
            http.get({'port': port, 'host': '127.0.0.1', 'agent': agent}, on_response)
    serve(lambda req, res: res.end('x'), exchange)
    assert got == [(2, 4, (0, 2, 0)), 1]


REFUSED_ANSWERS = {
    'Transfer-Encoding with Content-Length': (
        b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
        'HPE_INVALID_CONTENT_LENGTH', "Content-Length can't be present with Transfer-Encoding"),
    'obs-fold': (b'HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n',
                 'HPE_INVALID_HEADER_TOKEN', 'Unexpected whitespace after header value'),
    'a control byte in a value': (b'HTTP/1.1 200 OK\r\nX: a\x01b\r\nContent-Length: 0\r\n\r\n',
                                  'HPE_INVALID_HEADER_TOKEN', 'Invalid header value char'),
    'headers over 16 KiB': (b'HTTP/1.1 200 OK\r\nX: ' + b'a' * 17000 + b'\r\n\r\n',
                            'HPE_HEADER_OVERFLOW', 'Header overflow'),
    'a status of four digits': (b'HTTP/1.1 2000 OK\r\n\r\n', 'HPE_INVALID_STATUS',
                                'Invalid response status'),
}


@pytest.mark.parametrize('case', sorted(REFUSED_ANSWERS))
def test_the_client_refuses_smuggled_and_bad_answers_as_node(case, run_loop):
    """The client's side of test-http-transfer-encoding-smuggling.js,
    and test-http-max-header-size.js: each
    answer is one 'error' with Node 20's code and 'Parse Error: <reason>'
    (what Node 20's client gave for the same bytes), no 'response', then
    'close'."""
    answer, code, reason = REFUSED_ANSWERS[case]
    events = []

    def then(server, port):
        req = http.get({'port': port, 'host': '127.0.0.1', 'agent': False},
                       lambda res: events.append('response'))
        req.on('error', lambda error: events.append((error.code, str(error))))
        req.on('close', lambda: (events.append('close'), server.close()))
    raw_server(answer, then)
    run_loop()
    assert events == [(code, 'Parse Error: ' + reason), 'close']


def test_a_queued_request_destroyed_hangs_up_when_its_socket_comes(serve):
    """test-http-client-abort-keep-alive-queued-tcp-socket.js: maxSockets
    1; the second request, destroyed while queued, is destroyed at once
    and gets 'socket hang up' then 'close' when the first is done; its
    socket goes on to the third."""
    events = []

    def app(req, res):
        net.setTimeout(lambda: res.end('ok'), 20)

    def exchange(server, port, done):
        agent = http.Agent(maxSockets=1)
        options = {'port': port, 'host': '127.0.0.1', 'agent': agent}
        http.get(options, lambda res: (res.resume(), res.on('end', lambda: events.append('a end'))))
        second = http.get(options, lambda res: events.append('b response'))
        second.on('error', lambda error: events.append(('b error', error.code, str(error))))
        second.on('close', lambda: events.append('b close'))
        net.setImmediate(lambda: (second.destroy(), events.append(('destroyed', second.destroyed))))
        http.get(options, lambda res: (events.append('c response'), res.resume(), res.on(
            'end', lambda: net.setTimeout(lambda: (agent.destroy(), done()), 10))))
    serve(app, exchange)
    assert events == [('destroyed', True), 'a end', ('b error', 'ECONNRESET', 'socket hang up'),
                      'b close', 'c response']


def test_an_abort_signal_destroys_the_request_with_abort_error(serve):
    """test-http-agent-abort-controller.js (Node's ``signal`` option):
    aborted later or before, the
    request's 'error' is AbortError ABORT_ERR, then 'close'."""
    from pyuvnet._internal.abort import AbortController
    got = []

    def exchange(server, port, done):
        def one(controller, then):
            events = []
            req = http.get({'port': port, 'host': '127.0.0.1', 'agent': False,
                            'signal': controller.signal}, lambda res: events.append('response'))
            req.on('error', lambda error: events.append((type(error).__name__, error.code,
                                                         str(error))))
            req.on('close', lambda: (got.append((events, req.destroyed)), then()))
            return req
        later = AbortController()
        one(later, lambda: (before.abort(), one(before, done)))
        before = AbortController()
        net.setImmediate(later.abort)
    serve(lambda req, res: net.setTimeout(lambda: res.end('late'), 200), exchange)
    error = ('AbortError', 'ABORT_ERR', 'The operation was aborted')
    assert got == [([error], True), ([error], True)]


def test_a_servers_keep_alive_hint_shortens_the_free_sockets_timeout(serve):
    """Node 20's Agent.keepSocketAlive (lib/_http_agent.js), no test file
    of its own: the agent's timeout (5000) is cut to a second less than
    the answer's 'Keep-Alive: timeout=N'; N = 1 leaves no time, so the
    socket is not kept.  (Node 20 gave 4000, 2000 and none.)"""
    kept = []

    def app(req, res):
        if req.url != '/':
            res.setHeader('Keep-Alive', req.url[1:])
        res.end('x')

    def exchange(server, port, done):
        agent = http.Agent(keepAlive=True, timeout=5000)
        paths = ['/', '/timeout=3', '/timeout=1']

        def one():
            if not paths:
                done()
                return
            http.get({'port': port, 'host': '127.0.0.1', 'agent': agent, 'path': paths.pop(0)},
                     lambda res: (res.resume(), res.on('end', lambda: net.setImmediate(check))))

        def check():
            kept.append([socket.timeout for sockets in agent.freeSockets.values()
                         for socket in sockets])
            agent.destroy()
            net.setImmediate(one)
        one()
    serve(app, exchange)
    assert kept == [[4000], [2000], []]
