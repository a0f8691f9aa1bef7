"""Node 20's own http2 tests (test/parallel/test-http2-*.js), rewritten for
pyuvnet: each test names the Node test it ports. Both sides are pyuvnet's
(the client and the server), as in Node's tests; a raw peer stands in where
Node's test crafts bytes. The compatibility API's ports are in
test_http2_node_ports_compat.py."""
import pytest

from pyuvnet import http2
from http2_support import (END_HEADERS, END_STREAM, HEADERS, PREFACE, RawPeer, frame, listen,
                           run_exchange, serve_until, settings)
from support import assert_code
from h2_conformance_support import request


def exchange(run_loop, on_stream, client):
    server = http2.createServer()
    server.on('stream', on_stream)
    return run_exchange(run_loop, server, client)


def test_repeated_request_fields_are_joined_and_set_cookie_stays_a_list(run_loop):
    # Ports test-http2-cookies.js: a list value is sent as repeated fields;
    # the receiver joins them with ', ', cookies with '; ', and keeps
    # set-cookie as a list.
    set_cookie = ['a=b', 'c=d; Wed, 21 Oct 2015 07:28:00 GMT; Secure; HttpOnly', 'e=f']
    seen = {}

    def on_stream(stream, headers, flags, raw):
        seen['abc'], seen['cookie'] = headers['abc'], headers['cookie']
        stream.respond({':status': 200, 'content-type': 'text/html', 'set-cookie': set_cookie})
        stream.end(b'hello world')

    def client(session, done):
        req = session.request({':path': '/', 'abc': [1, 2, 3], 'cookie': ['a=b', 'c=d', 'e=f']})
        req.on('response', lambda headers, flags, raw: seen.setdefault('set-cookie',
                                                                        headers['set-cookie']))
        req.resume()
        req.on('end', done)
        req.end()
    exchange(run_loop, on_stream, client)
    assert seen == {'abc': '1, 2, 3', 'cookie': 'a=b; c=d; e=f', 'set-cookie': set_cookie}


def test_fields_differing_in_case_are_one_field(run_loop):
    # Ports test-http2-multiheaders.js: names are lower-cased, so
    # 'X-Foo' and 'x-foo' are one field whose values are joined.
    fields = {'accept': ['abc', 'def'], 'Accept': 'ghijklmnop', 'x-foo': 'foo', 'X-Foo': 'bar',
              'X-FOO': 'baz', 'www-authenticate': 'foo', 'WWW-Authenticate': 'bar'}
    seen = []

    def check(headers):
        seen.append((headers['accept'], headers['x-foo'], headers['www-authenticate']))

    def on_stream(stream, headers, flags, raw):
        check(headers)
        stream.respond(fields)
        stream.end()

    def client(session, done):
        req = session.request(fields)
        req.on('response', lambda headers, flags, raw: check(headers))
        req.resume()
        req.on('close', done)
    exchange(run_loop, on_stream, client)
    assert seen == [('abc, def, ghijklmnop', 'foo, bar, baz', 'foo, bar')] * 2


def test_an_empty_value_is_kept_and_an_empty_name_dropped(run_loop):
    # Ports test-http2-zero-length-header.js: the server sees 'bar': '' and
    # no field of the empty name (the client does not send it).
    seen = {}

    def on_stream(stream, headers, flags, raw):
        seen['headers'] = {k: v for k, v in headers.items() if isinstance(k, str)}
        stream.respond()
        stream.end()

    def client(session, done):
        req = session.request({':path': '/', '': 'foo', 'bar': ''})
        req.resume()
        req.on('close', done)
        req.end()
    exchange(run_loop, on_stream, client)
    headers = seen['headers']
    assert headers['bar'] == '' and '' not in headers
    assert sorted(headers) == [':authority', ':method', ':path', ':scheme', 'bar']


def test_a_head_response_ends_the_stream_and_a_write_after_it_errs(run_loop):
    # Ports test-http2-head-request.js: HEAD's response carries
    # END_STREAM (flags 5), no data reaches the client, and the server's
    # write after it is ERR_STREAM_WRITE_AFTER_END.
    seen = {'data': 0}

    def on_stream(stream, headers, flags, raw):
        seen['method'] = headers[':method']
        stream.respond({':status': 200})
        stream.on('error', lambda error: seen.setdefault('error', (error.code, str(error))))
        stream.write(b'data')

    def client(session, done):
        req = session.request({':method': 'HEAD', ':path': '/'})
        req.on('response', lambda headers, flags, raw: seen.setdefault(
            'response', (headers[':status'], flags)))
        req.on('data', lambda chunk: seen.__setitem__('data', seen['data'] + 1))
        req.on('end', done)
    exchange(run_loop, on_stream, client)
    assert seen['method'] == 'HEAD'
    assert seen['response'] == (200, 5)
    assert seen['data'] == 0
    assert seen['error'] == ('ERR_STREAM_WRITE_AFTER_END', 'write after end')


def test_end_after_headers_says_whether_the_request_had_a_body(run_loop):
    # Ports test-http2-endafterheaders.js: a GET's stream ended with its
    # head (endAfterHeaders True); a POST's did not; 'end' comes for both
    # and no 'data'.
    seen = []

    def on_stream(stream, headers, flags, raw):
        seen.append((headers[':method'], stream.endAfterHeaders))
        stream.on('data', lambda chunk: seen.append('data'))
        stream.on('end', lambda: seen.append('end'))
        stream.respond()
        stream.end(b'ok')

    def client(session, done):
        left = [2]

        def one_done():
            left[0] -= 1
            if not left[0]:
                done()
        for method in ('GET', 'POST'):
            req = session.request({':method': method, ':path': '/'})
            req.on('response', lambda headers, flags, raw, req=req: seen.append(
                ('client', req.endAfterHeaders)))
            req.resume()
            req.on('end', one_done)
            if method == 'POST':
                req.end()
    exchange(run_loop, on_stream, client)
    assert sorted(x for x in seen if isinstance(x, tuple) and x[0] != 'client') == [
        ('GET', True), ('POST', False)]
    assert seen.count(('client', False)) == 2
    assert seen.count('end') == 2 and 'data' not in seen


def test_request_trailers_reach_the_server_stream(run_loop):
    # Ports the request half of test-http2-trailers.js: the client's
    # trailers are the server stream's 'trailers' event, after the body.
    seen = {'body': []}

    def on_stream(stream, headers, flags, raw):
        stream.on('data', seen['body'].append)
        stream.on('trailers', lambda headers, flags, raw: seen.setdefault('trailers', headers))
        stream.on('end', lambda: (stream.respond(), stream.end()))

    def client(session, done):
        req = session.request({':method': 'POST', ':path': '/'}, {'waitForTrailers': True})
        req.on('wantTrailers', lambda: req.sendTrailers({'x-trailer': 'yes'}))
        req.resume()
        req.on('close', done)
        req.end(b'body')
    exchange(run_loop, on_stream, client)
    assert b''.join(seen['body']) == b'body'
    assert seen['trailers'] == {'x-trailer': 'yes'}


def test_a_request_closed_with_its_body_unread_still_ends_and_may_answer(run_loop):
    # Node 20 (pinned with a raw peer): a request whose body and a
    # RST_STREAM NO_ERROR came in one read still emits 'end', and
    # respond() in it neither raises nor sends anything; then 'close' with
    # rstCode 0.
    seen = []
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.resume()

        def answer():
            seen.append('end')
            stream.respond({':status': 200})
            stream.end(b'ok')
        stream.on('end', answer)
        stream.on('error', lambda error: seen.append(error.code))
        stream.on('close', lambda: seen.append(('close', stream.rstCode)))
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    block = request('POST')
    peer = RawPeer(port, [PREFACE + settings() + frame(HEADERS, END_HEADERS, 1, block)
                          + frame(0, END_STREAM, 1, b'x')
                          + frame(3, 0, 1, (0).to_bytes(4, 'big'))], timeout=1)
    serve_until(run_loop, server, peer)
    assert seen == ['end', ('close', 0)]
    assert not any(kind == HEADERS for kind, _f, _s, _p in peer.frames())


def test_an_unsolicited_ping_ack_is_ignored_and_the_next_ping_answered(run_loop):
    # RFC 9113 6.7 and h2spec 6.7/2: a PING ACK of no PING sent is ignored
    # and the session answers the PING after it. (Node 20 ends the session
    # for it, GOAWAY INTERNAL_ERROR; hypercorn ignores it.)
    errors = []
    server = http2.createServer()
    server.on('sessionError', lambda error, session: errors.append((error.code, str(error))))
    port = listen(run_loop, server)
    peer = RawPeer(port, [PREFACE + settings() + frame(6, 1, 0, b'unsolici')
                          + frame(6, 0, 0, b'h2spec  ')], timeout=1)
    serve_until(run_loop, server, peer)
    frames = peer.frames()
    assert (6, 1, 0, b'h2spec  ') in frames
    assert not any(kind == 7 for kind, _f, _s, _p in frames)
    assert errors == []


def test_a_peers_goaway_is_answered_with_goaway_no_error(run_loop):
    # Node 20's onGoawayData: whatever the peer's code, the session answers
    # with its own GOAWAY NO_ERROR and ends ('goaway' emitted first).
    seen = []
    server = http2.createServer()
    server.on('session', lambda session: session.on(
        'goaway', lambda code, last, opaque: seen.append(code)))
    server.on('sessionError', lambda error, session: seen.append(error.code))
    port = listen(run_loop, server)
    peer = RawPeer(port, [PREFACE + settings() + frame(7, 0, 0, bytes(4) + (0xFF).to_bytes(
        4, 'big'))], timeout=2)
    serve_until(run_loop, server, peer)
    goaways = [int.from_bytes(p[4:8], 'big') for kind, _f, _s, p in peer.frames() if kind == 7]
    assert goaways[:1] == [0]
    assert seen == [0xFF, 'ERR_HTTP2_SESSION_ERROR']


def test_respond_sets_a_date_header(run_loop):
    # Ports test-http2-date-header.js: respond() adds a valid date.
    from email.utils import parsedate_to_datetime
    seen = {}

    def on_stream(stream, headers, flags, raw):
        stream.respond()
        stream.end()

    def client(session, done):
        req = session.request({':path': '/'})
        req.on('response', lambda headers, flags, raw: seen.setdefault('date', headers['date']))
        req.resume()
        req.on('end', done)
    exchange(run_loop, on_stream, client)
    assert parsedate_to_datetime(seen['date']).year >= 2024


@pytest.mark.parametrize('chunks', [[b''], [b'', b'']], ids=['one', 'two'])
def test_empty_writes_send_no_data(run_loop, chunks):
    # Ports test-http2-client-write-empty-string.js: empty writes of a
    # request are no 'data' on the server; its answer reaches the client.
    seen = {'server_data': [], 'body': []}

    def on_stream(stream, headers, flags, raw):
        stream.respond({'content-type': 'text/html'})
        stream.on('data', seen['server_data'].append)
        stream.on('end', lambda: stream.end(b'"%s"' % b''.join(seen['server_data'])))

    def client(session, done):
        req = session.request({':method': 'POST', ':path': '/'})
        req.on('response', lambda headers, flags, raw: seen.setdefault(
            'head', (headers[':status'], headers['content-type'])))
        req.on('data', seen['body'].append)
        req.on('end', done)
        for chunk in chunks:
            req.write(chunk)
        req.end()
    exchange(run_loop, on_stream, client)
    assert seen['server_data'] == []
    assert seen['head'] == (200, 'text/html')
    assert b''.join(seen['body']) == b'""'


def test_a_status_outside_100_to_599_is_refused(run_loop):
    # Ports test-http2-status-code-invalid.js: ERR_HTTP2_STATUS_INVALID
    # ("Invalid status code: N", Node's RangeError: a ValueError here); the
    # stream can still respond after it.
    seen = {'errors': []}

    def on_stream(stream, headers, flags, raw):
        for status in (99, 700, 1000):
            error = assert_code('ERR_HTTP2_STATUS_INVALID',
                                lambda: stream.respond({':status': status}), ValueError)
            seen['errors'].append(str(error))
        stream.respond()
        stream.end()

    def client(session, done):
        req = session.request({':path': '/'})
        req.on('response', lambda headers, flags, raw: seen.setdefault('status',
                                                                       headers[':status']))
        req.resume()
        req.on('end', done)
    exchange(run_loop, on_stream, client)
    assert seen['errors'] == ['Invalid status code: %d' % status for status in (99, 700, 1000)]
    assert seen['status'] == 200


def test_a_request_header_name_that_is_no_token_throws_and_ends_the_session(run_loop):
    # Ports test-http2-invalidheaderfield.js: request({'t est': ...}) is
    # ERR_INVALID_HTTP_TOKEN, thrown and the session's 'error' (Node 20
    # destroys the session: a request after it is ERR_HTTP2_INVALID_SESSION);
    # upper case and '_' are tokens.
    seen = {}
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        seen['server'] = (headers['test_'], headers['test'])
        stream.respond()
        stream.end()
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    bad = http2.connect('http://127.0.0.1:%d' % port)
    bad.on('error', lambda error: seen.setdefault('session_error', error.code))
    error = assert_code('ERR_INVALID_HTTP_TOKEN', lambda: bad.request({'t est': 123}))
    assert str(error) == 'Header name must be a valid HTTP token ["t est"]'
    assert_code('ERR_HTTP2_INVALID_SESSION', lambda: bad.request({' test': 123}))
    good = http2.connect('http://127.0.0.1:%d' % port)
    req = good.request({'test_': 123, 'TEST': 123})
    req.resume()
    req.on('end', lambda: (good.close(), server.close()))
    run_loop(10)
    assert seen == {'session_error': 'ERR_INVALID_HTTP_TOKEN', 'server': ('123', '123')}


@pytest.mark.parametrize('status', [204, 205, 304])
def test_a_response_without_a_body_ends_the_stream_at_respond(run_loop, status):
    # Ports test-http2-respond-no-data.js: respond() with 204, 205 or 304
    # ends the stream (no end() called); the server stream closes destroyed
    # and the client's request ends.
    seen = []

    def on_stream(stream, headers, flags, raw):
        stream.on('close', lambda: seen.append(('closed', stream.destroyed)))
        stream.respond({':status': status})

    def client(session, done):
        req = session.request({':path': '/'})
        req.on('response', lambda headers, flags, raw: seen.append(headers[':status']))
        req.resume()
        req.on('end', lambda: (seen.append('end'), done()))
        req.end()
    exchange(run_loop, on_stream, client)
    assert status in seen and 'end' in seen and ('closed', True) in seen


def test_request_pseudo_headers_in_a_response_or_trailers_are_refused(run_loop):
    # Ports test-http2-misused-pseudoheaders.js: :path, :authority,
    # :method and :scheme in respond(), and :status in sendTrailers(), are
    # ERR_HTTP2_INVALID_PSEUDOHEADER; the response still goes out.
    seen = {'errors': []}

    def on_stream(stream, headers, flags, raw):
        for name in (':path', ':authority', ':method', ':scheme'):
            assert_code('ERR_HTTP2_INVALID_PSEUDOHEADER', lambda: stream.respond({name: '/'}))
            seen['errors'].append(name)
        stream.respond({}, {'waitForTrailers': True})

        def want_trailers():
            assert_code('ERR_HTTP2_INVALID_PSEUDOHEADER',
                        lambda: stream.sendTrailers({':status': 'bar'}))
            seen['errors'].append(':status')
            stream.close()
        stream.on('wantTrailers', want_trailers)
        stream.end(b'hello world')

    def client(session, done):
        req = session.request({':path': '/'})
        req.on('response', lambda headers, flags, raw: seen.setdefault('status',
                                                                       headers[':status']))
        req.resume()
        req.on('end', lambda: seen.setdefault('end', True))
        req.on('close', done)
    exchange(run_loop, on_stream, client)
    assert seen == {'errors': [':path', ':authority', ':method', ':scheme', ':status'],
                    'status': 200, 'end': True}


def test_respond_and_request_leave_their_arguments_unchanged(run_loop):
    # Ports test-http2-dont-override.js: the defaults go into copies; the
    # headers and options objects given stay empty.
    given = {}

    def on_stream(stream, headers, flags, raw):
        given['server'] = ({}, {})
        stream.respond(*given['server'])
        stream.end()

    def client(session, done):
        given['client'] = ({}, {})
        req = session.request(*given['client'])
        req.resume()
        req.on('end', done)
    server = http2.createServer(given.setdefault('options', {}))
    server.on('stream', on_stream)
    run_exchange(run_loop, server, client)
    assert given == {'options': {}, 'server': ({}, {}), 'client': ({}, {})}


def test_content_length_twice_or_on_a_get_is_refused(run_loop):
    # Ports test-http2-multi-content-length.js: two content-length values
    # are ERR_HTTP2_HEADER_SINGLE_VALUE (a TypeError) at request(); a POST
    # with one and a body of that length ends; a GET with content-length
    # is reset by nghttp2 (ERR_HTTP2_STREAM_ERROR, PROTOCOL_ERROR).
    seen = {}

    def on_stream(stream, headers, flags, raw):
        stream.respond()
        stream.end()

    def client(session, done):
        error = assert_code('ERR_HTTP2_HEADER_SINGLE_VALUE', lambda: session.request(
            {':method': 'POST', 'content-length': 1, 'Content-Length': 2}), TypeError)
        seen['single'] = str(error)
        left = [2]

        def closed(name):
            seen.setdefault(name + ' close', True)
            left[0] -= 1
            if not left[0]:
                done()
        post = session.request({':method': 'POST', 'content-length': 1})
        post.resume()
        post.on('end', lambda: seen.setdefault('post end', True))
        post.on('close', lambda: closed('post'))
        post.end(b'a')
        get = session.request({'content-length': 1})
        get.resume()
        get.on('end', lambda: seen.setdefault('get end', True))
        get.on('error', lambda error: seen.setdefault('get error', (error.code, str(error))))
        get.on('close', lambda: closed('get'))
    exchange(run_loop, on_stream, client)
    assert seen == {
        'single': 'Header field "content-length" must only have a single value',
        'post end': True, 'post close': True, 'get close': True,
        'get error': ('ERR_HTTP2_STREAM_ERROR',
                      'Stream closed with error code NGHTTP2_PROTOCOL_ERROR')}


@pytest.mark.parametrize('encoding, expected', [
    ('ascii', '61a1003d00'), ('latin1', '61a1003d00'), ('utf8', '61c2a1c480f09f9880'),
    ('utf16le', '6100a10000013dd800de'),
])
def test_a_request_write_encodes_a_string_as_asked(run_loop, encoding, expected):
    # Ports test-http2-createwritereq.js (its encodings but the aliases of
    # these four): the server reads the string's bytes in the write's
    # encoding, Node's Buffer.from(string, encoding) (pinned with node).
    received = []

    def on_request(req, res):
        req.on('data', received.append)
        req.on('end', res.end)

    def client(session, done):
        req = session.request({':path': '/' + encoding, ':method': 'POST'})
        req.write('a\u00a1\u0100\U0001f600', encoding)
        req.resume()
        req.on('end', done)
        req.end()
    run_exchange(run_loop, http2.createServer(on_request), client)
    assert b''.join(received).hex() == expected
