"""The compatibility API (Http2ServerRequest, Http2ServerResponse): an http
request handler on HTTP/2 streams. Each case was run first under Node 20
(the same handler and client in node) and asserts what Node did; they port
the behaviours of Node's test/parallel/test-http2-compat-*.js."""
import warnings

import pytest

from pyuvnet import http2
from http2_support import (DATA, END_HEADERS, END_STREAM, HEADERS, PING, PREFACE, RST_STREAM,
                           RawPeer, frame, listen, parse_frames, run_exchange, serve_until,
                           settings)


def compat_exchange(run_loop, handler, client, server=None):
    """A server whose 'request' is ``handler(req, res)`` and a client
    session given to ``client(session, done)``; ``done()`` closes both."""
    run_exchange(run_loop, server or http2.createServer(handler), client)


def request_then_done(session, done, seen, headers=None, body=None):
    """One request; the response's head, trailers, body and close in ``seen``."""
    req = session.request(headers or {':path': '/'})
    chunks = []
    req.on('response', lambda headers, flags, raw: seen.setdefault('response', (headers, flags)))
    req.on('trailers', lambda headers, flags, raw: seen.setdefault('trailers', headers))
    req.on('error', lambda error: seen.setdefault('client_error', error.code))
    req.on('data', chunks.append)
    req.on('close', lambda: (seen.update(body=b''.join(chunks), rstCode=req.rstCode), done()))
    req.end(body)
    return req


def test_the_handler_gets_the_request_shape_of_node(run_loop):
    seen = {}

    def handler(req, res):
        seen.update(method=req.method, url=req.url, authority=req.authority, scheme=req.scheme,
                    version=(req.httpVersion, req.httpVersionMajor, req.httpVersionMinor),
                    keys=list(req.headers), raw=req.rawHeaders[:2], complete=req.complete,
                    stream=req.stream is res.stream, req=res.req is req,
                    socket=req.socket is req.stream.session.socket)
        res.end()
    compat_exchange(run_loop, handler, lambda session, done: request_then_done(
        session, done, {}, {':path': '/a?b=1', 'x-in': '1'}))
    assert seen['method'] == 'GET'
    assert seen['url'] == '/a?b=1'
    assert seen['authority'].startswith('127.0.0.1:')
    assert seen['scheme'] == 'http'
    assert seen['version'] == ('2.0', 2, 0)
    # Node's headers keep the pseudo-headers, in the order received.
    assert set(seen['keys'][:4]) == {':method', ':path', ':scheme', ':authority'}
    assert seen['keys'][4:] == ['x-in']
    assert seen['raw'][0].startswith(':')
    assert seen['complete'] is False
    assert seen['stream'] and seen['req'] and seen['socket']


def test_response_headers_are_set_read_and_refused_as_node_does(run_loop):
    seen = {}

    def handler(req, res):
        res.setHeader('X-Foo', 'bar')
        seen['get'] = (res.getHeader('x-foo'), res.getHeader('X-FOO'), res.hasHeader('x-foo'),
                       res.getHeaderNames(), res.getHeaders())
        for name, value, key in ((':path', 'x', 'pseudo'), ('bad name', 'x', 'token'),
                                 ('x-null', None, 'null')):
            with pytest.raises(Exception) as info:
                res.setHeader(name, value)
            seen[key] = info.value.code
        with warnings.catch_warnings(record=True):
            warnings.simplefilter('always')
            res.setHeader('connection', 'close')      # dropped, with a warning
            seen['statusMessage'] = res.statusMessage
        seen['connection'] = res.getHeader('connection')
        for code, key in ((150, 's150'), (700, 's700')):
            with pytest.raises(Exception) as info:
                res.statusCode = code
            seen[key] = info.value.code
        res.setHeader('x-gone', '1')
        res.removeHeader('X-Gone')
        res.statusCode = 201
        seen['before'] = (res.headersSent, res.writableEnded, res.finished, res.sendDate)
        res.addTrailers({'x-t': 'v'})
        seen['write'] = res.write('hello')
        seen['sent'] = res.headersSent
        with pytest.raises(Exception) as info:
            res.setHeader('x', 'y')
        seen['after_sent'] = info.value.code
        with pytest.raises(Exception) as info:
            res.writeHead(200)
        seen['write_head_again'] = info.value.code
        res.end(' world')
        seen['after_end'] = (res.writableEnded, res.finished)

    got = {}
    compat_exchange(run_loop, handler, lambda session, done: request_then_done(session, done, got))
    assert seen['get'] == ('bar', 'bar', True, ['x-foo'], {'x-foo': 'bar'})
    assert seen['pseudo'] == 'ERR_HTTP2_PSEUDOHEADER_NOT_ALLOWED'
    assert seen['token'] == 'ERR_INVALID_HTTP_TOKEN'
    assert seen['null'] == 'ERR_HTTP2_INVALID_HEADER_VALUE'
    assert seen['connection'] is None and seen['statusMessage'] == ''
    assert (seen['s150'], seen['s700']) == ('ERR_HTTP2_INFO_STATUS_NOT_ALLOWED',
                                            'ERR_HTTP2_STATUS_INVALID')
    assert seen['before'] == (False, False, False, True)
    assert seen['write'] is True and seen['sent'] is True
    assert seen['after_sent'] == seen['write_head_again'] == 'ERR_HTTP2_HEADERS_SENT'
    assert seen['after_end'] == (True, True)
    headers, _flags = got['response']
    assert headers[':status'] == 201 and headers['x-foo'] == 'bar'
    assert 'x-gone' not in headers and 'connection' not in headers and 'date' in headers
    assert got['trailers'] == {'x-t': 'v'}
    assert got['body'] == b'hello world'


def test_a_posted_body_is_read_and_the_events_come_in_nodes_order(run_loop):
    events = []

    def handler(req, res):
        body = []
        req.setEncoding('utf8')
        req.on('data', body.append)

        def answer():
            events.append(('req end', ''.join(body), req.complete))
            res.writeHead(202, {'content-type': 'text/plain', 'x-arr': ['a', 'b']})
            events.append(('writeHead', res.headersSent, res.statusCode))
            res.end('ok', lambda *_: events.append('end callback'))
        req.on('end', answer)
        req.on('close', lambda: events.append('req close'))
        res.on('finish', lambda: events.append('res finish'))
        res.on('close', lambda: events.append('res close'))

    got = {}
    compat_exchange(run_loop, handler, lambda session, done: request_then_done(
        session, done, got, {':path': '/n', ':method': 'POST'}, b'abc'))
    assert events == [('req end', 'abc', True), ('writeHead', True, 202), 'end callback',
                      'req close', 'res finish', 'res close']
    headers, _flags = got['response']
    assert (headers[':status'], headers['content-type'], headers['x-arr']) == (202, 'text/plain', 'a, b')
    assert got['body'] == b'ok' and 'trailers' not in got      # no trailers: an empty DATA ends it


def test_write_returns_false_at_the_high_water_mark_and_drain_follows(run_loop):
    # Node 20: a write of the stream's highWaterMark (16 KiB there; pyuvnet's
    # streams default to 64 KiB, as newer Node's) gives False, then 'drain'.
    seen = {}

    def handler(req, res):
        mark = seen['mark'] = res.writableHighWaterMark
        seen['write'] = res.write(b'x' * mark)
        seen['length'] = res.writableLength
        res.on('drain', lambda: (seen.setdefault('drain', True), res.end()))

    got = {}
    compat_exchange(run_loop, handler, lambda session, done: request_then_done(session, done, got))
    assert seen == {'mark': seen['mark'], 'write': False, 'length': seen['mark'], 'drain': True}
    assert len(got['body']) == seen['mark']


def test_a_peer_reset_aborts_the_request_and_finishes_the_response(run_loop):
    events = []

    def handler(req, res):
        req.on('aborted', lambda: events.append(('aborted', req.aborted, req.complete)))
        req.on('close', lambda: events.append('req close'))
        res.on('finish', lambda: events.append('res finish'))
        res.on('close', lambda: events.append(('res close', res.writableEnded)))
        res.write('partial')

    def client(session, done):
        req = session.request({':path': '/'})
        req.on('data', lambda chunk: req.close(8))
        req.on('close', done)
    compat_exchange(run_loop, handler, client)
    assert events == [('aborted', True, True), 'req close', 'res finish', ('res close', False)]


def test_write_after_end_errs_and_resets_the_stream(run_loop):
    seen = {}

    def handler(req, res):
        res.end('done')
        seen['second_end'] = res.end(lambda *_: seen.setdefault('second_end_callback', True))
        seen['write'] = res.write('x', lambda error=None: seen.setdefault('callback', error.code))

    got = {}
    compat_exchange(run_loop, handler, lambda session, done: request_then_done(session, done, got))
    assert seen['write'] is False and seen['callback'] == 'ERR_STREAM_WRITE_AFTER_END'
    assert seen['second_end_callback'] is True
    assert got['client_error'] == 'ERR_HTTP2_STREAM_ERROR' and got['rstCode'] == 2


def test_an_empty_end_sends_the_head_with_end_stream(run_loop):
    got = {}
    compat_exchange(run_loop, lambda req, res: res.end(),
                    lambda session, done: request_then_done(session, done, got))
    headers, flags = got['response']
    assert headers[':status'] == 200 and flags == 5      # END_STREAM | END_HEADERS, as Node


@pytest.mark.parametrize('headers, status', [
    ({':path': '/', ':method': 'POST', 'expect': '100-continue'}, 200),
    ({':path': '/', 'expect': 'weird'}, 417),
])
def test_expectations_get_a_continue_or_417_as_node(run_loop, headers, status):
    seen = {'requests': []}

    def handler(req, res):
        seen['requests'].append(req.headers.get('expect'))
        res.end('x')

    def client(session, done):
        req = request_then_done(session, done, seen, headers, b'b')
        req.on('continue', lambda: seen.setdefault('continue', True))
    compat_exchange(run_loop, handler, client)
    assert seen['response'][0][':status'] == status
    if status == 200:
        assert seen['continue'] is True and seen['requests'] == ['100-continue']
    else:
        assert 'continue' not in seen and seen['requests'] == []


def test_connect_without_a_listener_is_answered_405(run_loop):
    seen = {}

    def client(session, done):
        req = session.request({':method': 'CONNECT', ':authority': 'example.org:443'})
        req.on('response', lambda headers, flags, raw: (
            seen.update(status=headers[':status'], flags=flags), req.close(), done()))
    compat_exchange(run_loop, lambda req, res: seen.setdefault('request', True), client)
    assert seen == {'status': 405, 'flags': 5}


def test_the_stream_event_still_comes_beside_request(run_loop):
    seen = []
    server = http2.createServer(lambda req, res: (seen.append('request'), res.end()))
    server.on('stream', lambda stream, headers, flags, raw: seen.append('stream'))
    compat_exchange(run_loop, None, lambda session, done: request_then_done(session, done, {}),
                    server)
    assert seen == ['request', 'stream']


def test_without_a_request_listener_no_compat_objects_are_made(run_loop):
    seen = {}
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        seen['compat'] = hasattr(stream, '_compat_request')
        stream.respond({':status': 204})
    server.on('stream', on_stream)
    compat_exchange(run_loop, None, lambda session, done: request_then_done(session, done, {}),
                    server)
    assert seen == {'compat': False}


def test_allow_http1_runs_one_handler_for_both_protocols(run_loop, tls_certs):
    from pyuvnet import https
    versions = []

    def handler(req, res):
        versions.append(req.httpVersion)
        res.setHeader('content-type', 'text/plain')
        res.end('on ' + req.httpVersion)
    server = http2.createSecureServer({'key': tls_certs.key, 'cert': tls_certs.cert,
                                       'allowHTTP1': True}, handler)
    port = listen(run_loop, server)
    bodies = {}
    session = http2.connect('https://localhost:%d' % port, {'ca': tls_certs.ca})
    h2 = session.request({':path': '/'})
    h2.setEncoding('utf8')
    h2.on('data', lambda text: bodies.setdefault('h2', text))
    h2.on('close', session.close)
    h2.end()

    def on_response(res):
        res.setEncoding('utf8')
        res.on('data', lambda text: bodies.setdefault('h1', text))
        res.on('end', server.close)
    https.get({'host': 'localhost', 'port': port, 'ca': tls_certs.ca, 'agent': False},
              on_response)
    run_loop(10)
    assert sorted(versions) == ['1.1', '2.0']
    assert bodies == {'h2': 'on 2.0', 'h1': 'on 1.1'}


def test_bad_arguments_raise_nodes_codes_at_once(run_loop):
    seen = {}

    def handler(req, res):
        with pytest.raises(Exception) as info:
            res.writeHead(200, ['a'])
        seen['odd'] = info.value.code
        with pytest.raises(Exception) as info:
            req.method = ' '
        seen['method'] = info.value.code
        res.end()
    compat_exchange(run_loop, handler, lambda session, done: request_then_done(session, done, {}))
    assert seen == {'odd': 'ERR_INVALID_ARG_VALUE', 'method': 'ERR_INVALID_ARG_VALUE'}


def test_the_response_methods_have_snake_case_twins():
    assert http2.Http2ServerResponse.set_header is http2.Http2ServerResponse.setHeader
    assert http2.Http2ServerResponse.write_head is http2.Http2ServerResponse.writeHead


# POST / over http, localhost (HPACK's static table), its stream left open.
POST_OPEN = frame(HEADERS, END_HEADERS, 1, b'\x83\x86\x84\x01\x09localhost')


def stream_one_frames(run_loop, handler, after_end_stream):
    """A raw client's POST left unended, answered by ``handler``: the
    frames of stream 1 (type, flags, payload) read until the response's
    END_STREAM and then ``after_end_stream``'s frame (a kind to wait for,
    and bytes to send first)."""
    server = http2.createServer(handler)
    received = []

    def read_until(done):
        def read(sock):
            while not done(parse_frames(b''.join(received))):
                data = sock.recv(65536)
                if not data:
                    return
                received.append(data)
        return read

    wait_for, send = after_end_stream
    peer = RawPeer(listen(run_loop, server), [
        PREFACE + settings() + POST_OPEN,
        read_until(lambda frames: any(f[0] == DATA and f[1] & END_STREAM for f in frames)),
        send,
        read_until(lambda frames: any(f[0] == wait_for for f in frames)),
    ], timeout=10, read=False)
    serve_until(run_loop, server, peer)
    return [(kind, flags, payload) for kind, flags, stream_id, payload in
            parse_frames(b''.join(received)) if stream_id == 1]


def answer_hi(req, res):
    res.end('hi')


def test_an_unended_unread_request_is_closed_with_no_error_after_the_response(run_loop):
    # As Node 20: the response ends with an empty DATA (trailers waited
    # for, none set), then RST_STREAM NO_ERROR closes the request.
    frames = stream_one_frames(run_loop, answer_hi, (RST_STREAM, b''))
    assert [kind_flags[:2] for kind_flags in frames] == [
        (HEADERS, END_HEADERS), (DATA, 0), (DATA, END_STREAM), (RST_STREAM, 0)]
    assert frames[1][2] == b'hi' and frames[2][2] == b'' and frames[3][2] == b'\0\0\0\0'


def test_a_request_being_read_is_left_for_the_client_to_end(run_loop):
    # Node 20 sends no RST_STREAM when the handler reads the request: the
    # stream closes when the client ends it (a PING's ACK shows nothing else came).
    def handler(req, res):
        req.on('data', lambda chunk: None)
        answer_hi(req, res)
    frames = stream_one_frames(run_loop, handler, (
        PING, frame(DATA, END_STREAM, 1) + frame(PING, 0, 0, b'12345678')))
    assert [kind_flags[:2] for kind_flags in frames] == [
        (HEADERS, END_HEADERS), (DATA, 0), (DATA, END_STREAM)]


def test_a_client_that_never_ends_its_request_sees_the_stream_close(run_loop):
    seen = []

    def client(session, done):
        req = session.request({':path': '/', ':method': 'POST'}, {'endStream': False})
        req.on('response', lambda headers, flags, raw: seen.append(headers[':status']))
        req.on('data', seen.append)
        req.on('end', lambda: seen.append('end'))
        req.on('close', lambda: (seen.append(('close', req.rstCode)), done()))
    compat_exchange(run_loop, answer_hi, client)
    assert seen == [200, b'hi', 'end', ('close', 0)]
