"""pyuvnet.http's server and its messages: the events and their order
(pinned with Node 20), the request's body, headers and trailers, the
response's header methods, 'clientError', 'connect', 'checkContinue' and
'checkExpectation', an upgrade nobody takes, the server's options and the
errors of bad calls (Node's codes).  The answers' bytes are compared with
Node's in test_http_wire.py."""
import pytest

import pyuvnet as net
import pyuvnet.http as http
from http_server_support import GET, listen, raw_client
from support import assert_code


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
        # Once answered: a connection whose request is being handled is not
        # idle, so close() would leave it to the keep-alive timeout (Node).
        res.on('finish', server.close)
        res.end()
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


def test_a_data_listener_starts_the_flow_but_a_prepended_one_does_not(run_loop):
    """Node's Readable: on('data') and once('data') set readableFlowing to
    True; prependListener('data') and prependOnceListener('data')
    (EventEmitter's own) leave it None (pinned with Node 20)."""
    flowing = []

    def app(req, res):
        getattr(req, ['on', 'once', 'prependListener', 'prependOnceListener'][len(flowing)])(
            'data', lambda chunk: None)
        flowing.append(req.readableFlowing)
        if len(flowing) == 4:
            res.on('finish', server.close)     # idle once answered
        res.end()
    server = listen(http.createServer(app), lambda: raw_client(server, [GET * 4]))
    run_loop()
    assert flowing == [True, True, None, None]


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
        # As Node's, the reason is kept: the next writeHead() refuses it too.
        assert_code('ERR_INVALID_CHAR', lambda: res.writeHead(202), TypeError)
        res.statusMessage = None
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
    # As Node's: a refusal of 100-continue closes the connection, so the
    # pipelined request's answer never leaves.
    assert got[0].startswith(b'HTTP/1.1 417 Expectation Failed\r\n')
    assert b'Connection: close\r\n' in got[0] and not got[0].endswith(b'fine')


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


def test_module_validation_functions_and_tables():
    assert_code('ERR_INVALID_HTTP_TOKEN', lambda: http.validateHeaderName('a b'), TypeError)
    assert_code('ERR_INVALID_CHAR', lambda: http.validate_header_value('x', 'a\nb'), TypeError)
    http.validateHeaderName('X-Ok')
    http.validateHeaderValue('x', 'fine\tvalue')
    assert http.STATUS_CODES[431] == 'Request Header Fields Too Large'
    assert http.METHODS[:4] == ['ACL', 'BIND', 'CHECKOUT', 'CONNECT'] and 'QUERY' in http.METHODS
