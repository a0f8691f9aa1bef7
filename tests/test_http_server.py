"""pyuvnet.http's server: events and their order (pinned with Node 20),
the timeouts (a slowloris client cut by headersTimeout, idle keep-alive
connections by keepAliveTimeout), closing connections, 'clientError',
pipelined answers kept in order, and the errors of bad calls (Node's
codes).  The answers' bytes are compared with Node's in test_http_wire.py."""
import gc
import time
import weakref

import pytest

import pyuvnet as net
import pyuvnet.http as http
from support import assert_code

GET = b'GET / HTTP/1.1\r\nHost: a\r\n\r\n'


def raw_client(server, chunks=(GET,), delay=0):
    """Connects to ``server`` and writes ``chunks``, ``delay`` ms apart;
    returns (received chunks, [close time], socket)."""
    out, closed = [], []
    sock = net.connect(server.address().port, '127.0.0.1')
    sock.on('data', out.append)
    sock.on('close', lambda had_error: closed.append(time.monotonic()))
    sock.on('error', lambda err: None)
    pending = list(chunks)

    def send():
        if pending and not sock.destroyed:
            sock.write(pending.pop(0))
            if pending:
                net.setTimeout(send, delay)
    send()
    return out, closed, sock


def listen(server, then):
    server.listen(0, '127.0.0.1', then)
    return server


def test_request_and_response_events_in_nodes_order(run_loop):
    log = []

    def app(req, res):
        log.append(('request', req.method, req.url, req.httpVersion, req.complete))
        req.on('data', lambda chunk: log.append(chunk))
        req.on('end', lambda: (log.append(('end', req.complete)), res.end('ok')))
        req.on('close', lambda: (log.append('req close'), server.close()))
        res.on('finish', lambda: log.append('finish'))
        res.on('close', lambda: log.append('res close'))
    server = listen(http.createServer(app), lambda: raw_client(
        server, [b'POST /p?q HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab', b'cd'], 20))
    run_loop()
    assert log == [('request', 'POST', '/p?q', '1.1', False), b'ab', b'cd', ('end', True),
                   'finish', 'res close', 'req close']


def test_connection_is_the_sockets_deprecated_alias_on_both_messages(run_loop):
    """Node 20: res.connection === res.socket === req.socket (and
    req.connection)."""
    seen = []

    def app(req, res):
        seen.append((res.connection is res.socket is req.socket is req.connection,
                     res.connection is not None))
        res.end()
        server.close()
    server = listen(http.createServer(app), lambda: raw_client(server))
    run_loop()
    assert seen == [(True, True)]


def test_an_unread_body_is_dumped_and_the_request_closes_after_the_response(run_loop):
    log = []

    def app(req, res):
        req.on('close', lambda: (log.append(('req close', req.complete)), server.close()))
        res.on('finish', lambda: log.append('finish'))
        res.on('close', lambda: log.append('res close'))
        res.end('x')
    server = listen(http.createServer(app), lambda: raw_client(
        server, [b'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab']))
    run_loop()
    assert log == ['finish', 'res close', ('req close', True)]


def test_pipelined_answers_keep_the_requests_order(run_loop):
    """The first request is answered after a timer, the second at once:
    the second's bytes wait for the first's."""
    def app(req, res):
        if req.url == '/slow':
            net.setTimeout(lambda: res.end('slow'), 30)
        else:
            res.end('fast')
    server = http.createServer(app)
    got = []

    def start():
        out, closed, sock = raw_client(server, [
            b'GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n'
            b'Connection: close\r\n\r\n'])
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    assert got[0].index(b'slow') < got[0].index(b'fast')
    assert got[0].count(b'HTTP/1.1 200 OK') == 2


def test_a_slowloris_client_is_cut_by_headers_timeout_with_408(run_loop):
    """Node's check (every connectionsCheckingInterval ms): a head not in
    after headersTimeout ms gets 408 and the connection is closed."""
    server = http.createServer({'headersTimeout': 150, 'requestTimeout': 1000,
                                'connectionsCheckingInterval': 30}, lambda req, res: res.end())
    result = {}

    def start():
        drip = [b'GET / HTTP/1.1\r\n'] + [b'X-%d: 1\r\n' % i for i in range(40)]
        out, closed, sock = raw_client(server, drip, 25)
        result['started'] = time.monotonic()
        sock.on('close', lambda _: (result.update(out=b''.join(out), at=closed[0]), server.close()))
    listen(server, start)
    run_loop()
    assert result['out'] == b'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n'
    assert 0.15 <= result['at'] - result['started'] < 0.6


def test_a_connection_that_sends_nothing_is_cut_too_and_client_error_sees_the_timeout(run_loop):
    server = http.createServer({'headersTimeout': 100, 'connectionsCheckingInterval': 20})
    seen = []

    def on_client_error(err, socket):
        seen.append((type(err).__name__, err.code, str(err)))
        socket.destroy()
        server.close()
    server.on('clientError', on_client_error)
    listen(server, lambda: raw_client(server, []))
    run_loop()
    assert seen == [('ERR_HTTP_REQUEST_TIMEOUT', 'ERR_HTTP_REQUEST_TIMEOUT', 'Request timeout')]


def test_an_idle_keep_alive_connection_times_out_a_second_after_keep_alive_timeout(run_loop):
    """Node 20's resOnFinish: the idle socket's timeout is keepAliveTimeout
    plus a fixed 1000 ms buffer (socket.timeout 1050 for 50), and its
    'timeout' is Node's socketOnTimeout: closed when nobody listens, handed
    to the server's 'timeout' listener (and left open) when one does."""
    result = {}

    def start(name, server):
        def on_connection(socket):
            server_sockets[name] = socket
        server_sockets = {}
        server.on('connection', on_connection)
        out, closed, sock = raw_client(server)

        def answered(chunk):
            result.setdefault(name + ' answered', time.monotonic())
            # resOnFinish has run by the next tick.
            net.nextTick(lambda: result.setdefault(name + ' timeout',
                                                   server_sockets[name].timeout))
        sock.on('data', answered)
        sock.on('close', lambda _: (result.update({name + ' closed': time.monotonic()}),
                                    server.close()))

    plain = http.createServer({'keepAliveTimeout': 50}, lambda req, res: res.end('x'))
    listened = http.createServer({'keepAliveTimeout': 50}, lambda req, res: res.end('x'))

    def on_timeout(socket):
        result['listened timed out'] = time.monotonic()
        result['listened open'] = not socket.destroyed
        socket.destroy()
    listened.on('timeout', on_timeout)
    listen(plain, lambda: start('plain', plain))
    listen(listened, lambda: start('listened', listened))
    run_loop()
    assert result['plain timeout'] == result['listened timeout'] == 1050
    assert 1.0 <= result['plain closed'] - result['plain answered'] < 1.6
    assert 1.0 <= result['listened timed out'] - result['listened answered'] < 1.6
    assert result['listened open']


def test_no_keep_alive_timeout_leaves_an_idle_connection_open(run_loop):
    """keepAliveTimeout 0: Node sets no timeout on the idle socket (its
    socket.timeout stays undefined: None here)."""
    server = http.createServer({'keepAliveTimeout': 0}, lambda req, res: res.end('x'))
    sockets, seen = [], []
    server.on('connection', sockets.append)

    def start():
        out, closed, sock = raw_client(server)
        sock.on('close', lambda _: server.close())
        sock.on('data', lambda chunk: net.setTimeout(
            lambda: (seen.append((sockets[0].timeout, sockets[0].destroyed)), sock.destroy()), 50))
    listen(server, start)
    run_loop()
    assert seen == [(None, False)]


def test_close_idle_connections_spares_a_request_under_way(run_loop):
    log = []

    def app(req, res):
        # The idle connection's answer is out: close the idle ones now.
        if req.url == '/idle':
            res.end('x', lambda: net.setTimeout(close_idle, 20))
        else:
            req.on('end', lambda: res.end('busy'))
            req.resume()
    server = http.createServer(app)

    busy = {}

    def close_idle():
        server.closeIdleConnections()
        busy['sock'].write(b'cd')

    def start():
        _, idle_closed, _ = raw_client(server, [b'GET /idle HTTP/1.1\r\nHost: a\r\n\r\n'])
        out, busy_closed, sock = raw_client(server, [
            b'POST /busy HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 4\r\n\r\nab'])
        busy['sock'] = sock
        sock.on('close', lambda _: (log.append((bool(idle_closed), b''.join(out))), server.close()))
    listen(server, start)
    run_loop()
    assert log[0][0] is True
    assert log[0][1].endswith(b'busy')


def test_close_all_connections_and_close_end_keep_alive_connections(run_loop):
    server = http.createServer(lambda req, res: res.end('x'))
    closed = []

    def start():
        for _ in range(2):
            out, when, sock = raw_client(server)
            sock.on('close', lambda _: closed.append(1))
        net.setTimeout(server.close, 50)
    listen(server, start)
    run_loop()
    assert closed == [1, 1]
    server = http.createServer(lambda req, res: None)
    closed = []

    def start_all():
        out, when, sock = raw_client(server)
        sock.on('close', lambda _: closed.append(1))
        net.setTimeout(lambda: (server.closeAllConnections(), server.close()), 50)
    listen(server, start_all)
    run_loop()
    assert closed == [1]


def test_client_error_gets_the_parse_error_and_the_socket(run_loop):
    seen = []

    def on_client_error(err, socket):
        seen.append((err.code, err.reason, err.bytesParsed, isinstance(err, http.HTTPParseError)))
        socket.end(b'HTTP/1.1 400 Mine\r\n\r\n')
    server = http.createServer()
    server.on('clientError', on_client_error)
    got = []

    def start():
        out, closed, sock = raw_client(server, [b'GET / HTTP/1.1\r\nX Y: 1\r\n\r\n'])
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    # bytesParsed: the bad byte's offset (Node: 26 with a Host line before it).
    assert seen == [('HPE_INVALID_HEADER_TOKEN', 'Invalid header token', 17, True)]
    assert got == [b'HTTP/1.1 400 Mine\r\n\r\n']


def test_max_header_size_is_an_option_and_over_it_is_431(run_loop):
    server = http.createServer({'maxHeaderSize': 100}, lambda req, res: res.end('x'))
    got = []

    def start():
        out, closed, sock = raw_client(server, [b'GET / HTTP/1.1\r\nX: ' + b'a' * 100 + b'\r\n\r\n'])
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    assert got == [b'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n']
    assert http.maxHeaderSize == http.max_header_size == 16384


def test_a_client_gone_mid_body_aborts_the_request(run_loop):
    log = []

    def app(req, res):
        req.on('aborted', lambda: log.append('aborted'))
        req.on('error', lambda err: log.append(('error', err.code, str(err))))
        req.on('close', lambda: (log.append(('close', req.complete)), server.close()))
        res.on('close', lambda: log.append(('res close', res.writableFinished)))
        req.resume()
    server = http.createServer(app)

    def start():
        out, closed, sock = raw_client(server, [
            b'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nab'])
        net.setTimeout(sock.destroy, 30)
    listen(server, start)
    run_loop()
    # Node 20's order (pinned): 'aborted', the response's 'close', then
    # the request's 'error' (ECONNRESET 'aborted') and 'close'.
    assert log == ['aborted', ('res close', False), ('error', 'ECONNRESET', 'aborted'),
                   ('close', False)]


def test_pause_resume_and_pipe_a_request_into_its_response(run_loop):
    def app(req, res):
        req.pause()
        net.setTimeout(lambda: req.pipe(res), 20)
    server = http.createServer(app)
    got = []

    def start():
        out, closed, sock = raw_client(server, [
            b'POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 6\r\n\r\nabc', b'def'], 5)
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    assert got[0].endswith(b'Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n') or \
        got[0].endswith(b'\r\n\r\n6\r\nabcdef\r\n0\r\n\r\n')


def test_headers_distinct_trailers_and_the_raw_lists(run_loop):
    seen = {}

    def app(req, res):
        req.on('end', lambda: (seen.update(distinct=req.headersDistinct, trailers=req.trailers,
                                           raw_trailers=req.rawTrailers, snake=req.raw_headers),
                               res.end(), server.close()))
        req.resume()
    server = http.createServer(app)
    listen(server, lambda: raw_client(server, [
        b'POST / HTTP/1.1\r\nHost: a\r\nX: 1\r\nx: 2\r\nTransfer-Encoding: chunked\r\n'
        b'Connection: close\r\n\r\n1\r\na\r\n0\r\nT-One: 1\r\n\r\n']))
    run_loop()
    assert seen['distinct']['x'] == ['1', '2']
    assert seen['trailers'] == {'t-one': '1'}
    assert seen['raw_trailers'] == ['T-One', '1']
    assert seen['snake'][:2] == ['Host', 'a']


def test_the_response_header_methods_and_their_errors(run_loop):
    errors = []

    def app(req, res):
        res.setHeader('X-One', 1)
        res.appendHeader('x-one', '2')
        res.set_header('Content-Type', 'text/plain')
        errors.append((res.getHeader('x-one'), res.getHeaderNames(), res.hasHeader('CONTENT-TYPE'),
                       res.getHeaders()))
        res.removeHeader('content-type')
        assert_code('ERR_INVALID_HTTP_TOKEN', lambda: res.setHeader('a b', 1), TypeError)
        assert_code('ERR_HTTP_INVALID_HEADER_VALUE', lambda: res.setHeader('x', None), TypeError)
        assert_code('ERR_INVALID_CHAR', lambda: res.setHeader('x', 'a\r\nb'), TypeError)
        assert_code('ERR_HTTP_INVALID_STATUS_CODE', lambda: res.writeHead(99), ValueError)
        assert_code('ERR_HTTP_INVALID_STATUS_CODE', lambda: res.writeHead(1000), ValueError)
        # Node's test-http-status-reason-invalid-chars.js
        with pytest.raises(http.ERR_INVALID_CHAR, match=r'^Invalid character in statusMessage$'):
            res.writeHead(200, 'OK\r\nX: injected')
        res.writeHead(202)
        errors.append(res.headersSent)
        assert_code('ERR_HTTP_HEADERS_SENT', lambda: res.setHeader('x', 'y'), RuntimeError)
        assert_code('ERR_HTTP_HEADERS_SENT', lambda: res.writeHead(200), RuntimeError)
        res.end()
        res.on('error', lambda err: (errors.append(err.code), server.close()))
        res.write('late')
    server = http.createServer(app)
    listen(server, lambda: raw_client(server))
    run_loop()
    # Node's appendHeader keeps the values as given (the number stays one).
    assert errors[0] == ([1, '2'], ['x-one', 'content-type'], True,
                         {'x-one': [1, '2'], 'content-type': 'text/plain'})
    assert errors[1:] == [True, 'ERR_STREAM_WRITE_AFTER_END']


def test_module_validation_functions_and_tables():
    assert_code('ERR_INVALID_HTTP_TOKEN', lambda: http.validateHeaderName('a b'), TypeError)
    assert_code('ERR_INVALID_CHAR', lambda: http.validate_header_value('x', 'a\nb'), TypeError)
    http.validateHeaderName('X-Ok')
    http.validateHeaderValue('x', 'fine\tvalue')
    assert http.STATUS_CODES[431] == 'Request Header Fields Too Large'
    assert http.METHODS[:4] == ['ACL', 'BIND', 'CHECKOUT', 'CONNECT'] and 'QUERY' in http.METHODS


def test_an_exception_in_a_request_listener_is_raised_from_run(run_loop):
    def app(req, res):
        raise ZeroDivisionError('in the listener')
    server = http.createServer(app)
    listen(server, lambda: raw_client(server))
    with pytest.raises(ZeroDivisionError):
        run_loop()
    server.closeAllConnections()
    server.close()
    run_loop()


def test_an_upgrade_nobody_listens_for_is_an_ordinary_request(run_loop):
    got = []
    server = http.createServer(lambda req, res: res.end('plain'))

    def start():
        out, closed, sock = raw_client(server, [
            b'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, close\r\nUpgrade: x\r\n\r\n'])
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    assert got[0].startswith(b'HTTP/1.1 200 OK') and got[0].endswith(b'plain')


def test_bad_server_options_are_refused_at_once():
    assert_code('ERR_INVALID_ARG_VALUE', lambda: http.createServer({'nope': 1}), TypeError)
    assert_code('ERR_INVALID_ARG_TYPE', lambda: http.createServer({'headersTimeout': 'x'}), TypeError)
    assert_code('ERR_INVALID_ARG_VALUE', lambda: http.createServer(
        {'headersTimeout': 10, 'requestTimeout': 5}), ValueError)
    server = http.create_server(headers_timeout=10, request_timeout=20, keep_alive_timeout=0)
    assert (server.headersTimeout, server.requestTimeout, server.keep_alive_timeout) == (10, 20, 0)
    default = http.Server()
    assert (default.headersTimeout, default.requestTimeout, default.keepAliveTimeout,
            default.timeout, default.maxRequestsPerSocket) == (60000, 300000, 5000, 0, 0)


def test_keep_alive_timeout_spares_a_request_slower_than_it(run_loop):
    """The keep-alive timeout stays armed across requests (it measures
    idleness): a second request whose answer takes longer than it (1000 ms
    buffer included) is still answered, as in Node (where the timeout is
    off during a request)."""
    def app(req, res):
        if req.url == '/slow':
            net.setTimeout(lambda: res.end('slow'), 1100)
        else:
            res.end('fast')
    server = http.createServer({'keepAliveTimeout': 20}, app)
    got = []

    def start():
        out, closed, sock = raw_client(server, [GET, b'GET /slow HTTP/1.1\r\nHost: a\r\n\r\n'], 20)
        sock.on('data', lambda chunk: chunk.endswith(b'slow') and sock.destroy())
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    assert got[0].endswith(b'slow')


def test_async_for_reads_a_request_body_through_the_asyncio_bridge():
    import asyncio

    from pyuvnet import aio

    async def main():
        async with aio.attach():
            async def handle(req, res):
                chunks = [chunk async for chunk in req]
                res.end(b'got ' + b''.join(chunks))
            server = http.createServer(lambda req, res: asyncio.ensure_future(handle(req, res)))
            server.listen(0, '127.0.0.1')
            await aio.listening(server)
            sock = await aio.connected(net.connect(server.address().port, '127.0.0.1'))
            sock.write(b'POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 6\r\n\r\nabc')
            net.setTimeout(sock.write, 20, b'def')
            answer = b''.join([chunk async for chunk in aio.iterate(sock)])
            await aio.aclose(server)
            return answer

    assert asyncio.run(asyncio.wait_for(main(), 5)).endswith(b'\r\n\r\ngot abcdef')


def test_max_requests_per_socket_says_close_after_the_last_and_drops_the_rest(run_loop):
    """Node 20 (pinned): the answers say 'Keep-Alive: timeout=5, max=2',
    the second 'Connection: close' (yet the connection stays open), a
    third request gets 503 and 'dropRequest'."""
    server = http.createServer(lambda req, res: res.end('x'))
    server.maxRequestsPerSocket = 2
    dropped, got = [], []
    server.on('dropRequest', lambda req, sock: dropped.append(req.url))

    def start():
        out, closed, sock = raw_client(server, [b''.join(
            b'GET /%d HTTP/1.1\r\nHost: a\r\n\r\n' % n for n in (1, 2, 3))])
        sock.on('data', lambda chunk: b'503' in b''.join(out) and sock.end())
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    answers = got[0].split(b'HTTP/1.1 ')[1:]
    assert b'Connection: keep-alive\r\nKeep-Alive: timeout=5, max=2\r\n' in answers[0]
    assert b'Connection: close\r\n' in answers[1]
    assert answers[2].startswith(b'503 Service Unavailable\r\n')
    assert dropped == ['/3']


def test_connect_hands_over_the_socket_and_the_bytes_after_the_head(run_loop):
    seen = []

    def on_connect(req, socket, head):
        seen.append((req.method, req.url, head))
        socket.write(b'HTTP/1.1 200 Connection Established\r\n\r\n')
        socket.on('data', lambda chunk: (seen.append(chunk), socket.end(b'bye')))
        socket.resume()
    server = http.createServer(lambda req, res: seen.append('request'))
    server.on('connect', on_connect)
    got = []

    def start():
        out, closed, sock = raw_client(server, [
            b'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nfirst', b'second'], 30)
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    assert seen == [('CONNECT', 'example.com:443', b'first'), b'second']
    assert got == [b'HTTP/1.1 200 Connection Established\r\n\r\nbye']


def test_check_expectation_and_check_continue_replace_the_default_answers(run_loop):
    log = []

    def on_check_continue(req, res):
        log.append(('checkContinue', req.headers['expect']))
        res.writeHead(417)
        res.end()

    def on_check_expectation(req, res):
        log.append(('checkExpectation', req.headers['expect']))
        res.end('fine')
    server = http.createServer(lambda req, res: log.append('request'))
    server.on('checkContinue', on_check_continue)
    server.on('checkExpectation', on_check_expectation)
    got = []

    def start():
        out, closed, sock = raw_client(server, [
            b'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n'
            b'GET / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\nConnection: close\r\n\r\n'])
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    assert log == [('checkContinue', '100-continue'), ('checkExpectation', 'teapot')]
    assert got[0].startswith(b'HTTP/1.1 417 Expectation Failed\r\n') and got[0].endswith(b'fine')


def test_server_set_timeout_emits_timeout_with_the_socket(run_loop):
    seen = []
    server = http.createServer(lambda req, res: None)
    server.setTimeout(50, lambda socket: (seen.append(type(socket).__name__), socket.destroy(),
                                          server.close()))
    listen(server, lambda: raw_client(server))
    run_loop()
    assert seen == ['Socket']


def test_equal_header_values_of_other_types_are_sent_as_each_is(run_loop):
    """1 == True, yet Node sends 'X: 1' and 'X: true' (String(value)): the
    cache of made header blocks must not mix them up."""
    answers = iter([{'X': 1}, {'X': True}, {'X': 1.0}])
    server = http.createServer(lambda req, res: (res.writeHead(200, next(answers)), res.end()))
    got = []

    def start():
        out, closed, sock = raw_client(server, [GET * 2 + b'GET / HTTP/1.1\r\nHost: a\r\n'
                                                b'Connection: close\r\n\r\n'])
        sock.on('close', lambda _: (got.append(b''.join(out)), server.close()))
    listen(server, start)
    run_loop()
    assert [line for line in got[0].split(b'\r\n') if line.startswith(b'X: ')] == \
        [b'X: 1', b'X: true', b'X: 1']


def parser_count():
    return sum(1 for obj in gc.get_objects() if type(obj).__name__ == 'HTTPParser')


def test_closed_connections_leave_nothing_alive(run_loop):
    """After the connections closed, no connection state, request,
    response or parser is left (they form cycles with their socket's
    listeners: the collector must be able to free them)."""
    alive = []

    def app(req, res):
        alive.extend(weakref.ref(obj) for obj in (req, res, res._conn))
        res.end('x')
    server = http.createServer(app)
    pending = [10]
    gc.collect()
    parsers_before = parser_count()

    def start():
        for _ in range(10):
            out, closed, sock = raw_client(server, [b'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'])
            sock.on('close', lambda _: pending.__setitem__(0, pending[0] - 1) or (
                pending[0] == 0 and server.close()))
    listen(server, start)
    run_loop()
    gc.collect()
    assert len(alive) == 30
    assert [ref for ref in alive if ref() is not None] == []
    assert parser_count() == parsers_before



def test_join_duplicate_headers_joins_the_single_valued_ones_too(run_loop):
    """Node 20 with joinDuplicateHeaders (pinned): host 'a, b', user-agent
    'u1, u2', cookie still '; ', set-cookie still a list."""
    seen = []
    server = http.createServer({'joinDuplicateHeaders': True},
                               lambda req, res: (seen.append(req.headers), res.end()))
    listen(server, lambda: raw_client(server, [
        b'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nCookie: x=1\r\nCookie: y=2\r\nSet-Cookie: a\r\n'
        b'Set-Cookie: b\r\nUser-Agent: u1\r\nUser-Agent: u2\r\nX: 1\r\nX: 2\r\nConnection: close\r\n\r\n']))
    server.on('request', lambda req, res: server.close())
    run_loop()
    assert seen == [{'host': 'a, b', 'cookie': 'x=1; y=2', 'set-cookie': ['a', 'b'],
                     'user-agent': 'u1, u2', 'x': '1, 2', 'connection': 'close'}]


def test_a_data_listener_starts_the_flow_but_a_prepended_one_does_not(run_loop):
    """Node's Readable: on('data') and once('data') set readableFlowing to
    True; prependListener('data') and prependOnceListener('data')
    (EventEmitter's own) leave it None (pinned with Node 20)."""
    flowing = []

    def app(req, res):
        getattr(req, ['on', 'once', 'prependListener', 'prependOnceListener'][len(flowing)])(
            'data', lambda chunk: None)
        flowing.append(req.readableFlowing)
        res.end()
        if len(flowing) == 4:
            server.close()
    server = listen(http.createServer(app), lambda: raw_client(server, [GET * 4]))
    run_loop()
    assert flowing == [True, True, None, None]
