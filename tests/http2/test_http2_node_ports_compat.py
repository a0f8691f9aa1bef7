"""Node 20's http2 compatibility-API tests (test/parallel/
test-http2-compat-*.js), rewritten for pyuvnet: each test names the Node
test it ports; the client is pyuvnet's http2.connect(), the server an
http2.createServer(handler). The core API's ports are in
test_http2_node_ports.py."""
import importlib

import pytest

from pyuvnet import http2
from pyuvnet import nextTick
from http2_support import compat_get, run_exchange, upload_file
from support import assert_code


def test_compat_end_after_a_status_without_body_is_no_error(run_loop):
    # Ports
    # test-http2-compat-serverresponse-end-after-statuses-without-body.js:
    # writeHead(204/205/304) then end() raises nothing, and each request
    # gets its response.
    statuses = [204, 205, 304]
    seen = []

    def on_request(req, res):
        res.writeHead(statuses.pop())
        res.end()

    def client(session, done):
        for _ in range(3):
            req = session.request({':path': '/'})
            req.on('response', lambda headers, flags, raw: (
                seen.append(headers[':status']), len(seen) == 3 and done()))
    run_exchange(run_loop, http2.createServer(on_request), client)
    assert sorted(seen) == [204, 205, 304]


def test_compat_request_headers_and_their_order(run_loop):
    # Ports test-http2-compat-serverrequest-headers.js: the request's
    # method, scheme, url and authority come from the pseudo-headers (no
    # 'path'); rawHeaders has the pseudo-headers first, then the others in
    # the order sent; url and method can be set, a blank or non-string
    # method is refused.
    seen = {}

    def on_request(req, res):
        seen['fields'] = (getattr(req, 'path', None), req.method, req.scheme, req.url,
                          req.authority == req.headers[':authority'])
        seen['raw_names'] = req.rawHeaders[::2]
        req.url = '/one'
        req.method = 'POST'
        seen['set'] = (req.url, req.method)
        error = assert_code('ERR_INVALID_ARG_VALUE', lambda: setattr(req, 'method', '   '),
                            TypeError)
        seen['blank'] = str(error)
        error = assert_code('ERR_INVALID_ARG_TYPE', lambda: setattr(req, 'method', True),
                            TypeError)
        seen['bool'] = str(error)
        res.end()

    def client(session, done):
        req = session.request({':path': '/foobar', ':method': 'GET', 'foo1': 'abc1',
                               ':scheme': 'http', 'foo2': 'abc2'})
        req.on('end', done)
        req.end()
        req.resume()
    run_exchange(run_loop, http2.createServer(on_request), client)
    assert seen['fields'] == (None, 'GET', 'http', '/foobar', True)
    assert seen['raw_names'][4:] == ['foo1', 'foo2']
    assert sorted(seen['raw_names'][:4]) == [':authority', ':method', ':path', ':scheme']
    assert seen['set'] == ('/one', 'POST')
    assert seen['blank'] == "The argument 'method' is invalid. Received '   '"
    # Node's 'boolean (true)' reads as Python's type and repr here, as
    # everywhere in pyuvnet's ERR_INVALID_ARG_TYPE.
    assert seen['bool'] == ('The "method" argument must be of type string. '
                            'Received type bool (True)')


def test_compat_request_trailers_and_raw_trailers(run_loop):
    # Ports test-http2-compat-serverrequest-trailers.js: names differing in
    # case are sent as separate fields; req.trailers joins them with ', ',
    # req.rawTrailers keeps each, after the body.
    seen = {}

    def on_request(req, res):
        body = []
        req.on('data', body.append)

        def end():
            seen.update(trailers=dict(req.trailers), raw=req.rawTrailers, body=b''.join(body))
            res.end()
        req.on('end', end)

    def client(session, done):
        req = session.request({':path': '/foobar', ':method': 'POST'}, {'waitForTrailers': True})
        req.on('wantTrailers', lambda: req.sendTrailers({
            'x-fOo': 'xOxOxOx', 'x-foO': 'OxOxOxO', 'X-fOo': 'xOxOxOx', 'X-foO': 'OxOxOxO',
            'x-foo-test': 'test, test'}))
        req.resume()
        req.on('end', done)
        req.write(b'test\n')
        req.end(b'test')
    run_exchange(run_loop, http2.createServer(on_request), client)
    assert seen['body'] == b'test\ntest'
    assert seen['trailers'] == {'x-foo': 'xOxOxOx, OxOxOxO, xOxOxOx, OxOxOxO',
                                'x-foo-test': 'test, test'}
    assert seen['raw'] == ['x-foo', 'xOxOxOx', 'x-foo', 'OxOxOxO', 'x-foo', 'xOxOxOx',
                           'x-foo', 'OxOxOxO', 'x-foo-test', 'test, test']


def test_compat_send_date_false_sends_no_date(run_loop):
    # Ports test-http2-compat-serverresponse-headers-send-date.js.
    seen = {}

    def on_request(req, res):
        res.sendDate = False
        res.writeHead(200)
        res.end()

    def client(session, done):
        req = session.request({':path': '/'})
        req.on('response', lambda headers, flags, raw: seen.setdefault('names', set(headers)))
        req.resume()
        req.on('end', done)
    run_exchange(run_loop, http2.createServer(on_request), client)
    assert 'date' not in seen['names'] and 'Date' not in seen['names']


@pytest.mark.parametrize('fields', [
    [['foo', 'bar'], ['foo', 'baz'], ['ABC', 123]],
    ['foo', 'bar', 'foo', 'baz', 'ABC', 123],
], ids=['pairs', 'flat'])
def test_compat_write_head_takes_header_lists(run_loop, fields):
    # Ports test-http2-compat-serverresponse-writehead-array.js: pairs or
    # a flat list; repeated names are joined by the client; writeHead()
    # returns the response.
    seen = {}

    def on_request(req, res):
        seen['returned'] = res.writeHead(200, fields) is res
        res.end()

    def client(session, done):
        req = session.request({':path': '/'})
        req.on('response', lambda headers, flags, raw: seen.setdefault(
            'head', (headers[':status'], headers['foo'], headers['abc'])))
        req.resume()
        req.on('end', done)
    run_exchange(run_loop, http2.createServer(on_request), client)
    assert seen == {'returned': True, 'head': (200, 'bar, baz', '123')}


def test_compat_write_head_with_an_odd_flat_list_is_refused(run_loop):
    # The third case of test-http2-compat-serverresponse-writehead-array.js:
    # ERR_INVALID_ARG_VALUE; end() still answers.
    seen = {}

    def on_request(req, res):
        assert_code('ERR_INVALID_ARG_VALUE',
                    lambda: res.writeHead(200, ['foo', 'bar', 'ABC', 123, 'extra']))
        seen['refused'] = True
        res.end()

    def client(session, done):
        req = session.request({':path': '/'})
        req.resume()
        req.on('end', done)
    run_exchange(run_loop, http2.createServer(on_request), client)
    assert seen == {'refused': True}


def test_compat_write_head_with_a_status_message(run_loop, monkeypatch):
    # Ports test-http2-compat-serverresponse-statusmessage.js: the message
    # is dropped with an UnsupportedWarning, the headers go out.
    seen = {}

    def on_request(req, res):
        res.writeHead(200, 'OK', {'foo-bar': 'abc123'})
        res.end()

    def client(session, done):
        req = session.request({':path': '/'})
        req.on('response', lambda headers, flags, raw: seen.setdefault(
            'head', (headers[':status'], headers['foo-bar'])))
        req.resume()
        req.on('end', done)
    # The warning comes once a process, as Node's: a fresh record of those
    # given makes this test's own.
    monkeypatch.setattr(importlib.import_module('pyuvnet.http2._compat'), '_warned', set())
    with pytest.warns(RuntimeWarning,
                      match=r'Status message is not supported by HTTP/2 \(RFC7540 8.1.2.4\)'):
        run_exchange(run_loop, http2.createServer(on_request), client)
    assert seen == {'head': (200, 'abc123')}


def test_a_host_header_stands_for_authority(run_loop):
    # Ports test-http2-compat-serverrequest-host.js: a request with host
    # gets no :authority added, and req.authority falls back to host.
    seen = {}

    def on_request(req, res):
        seen.update(authority=req.authority, host=req.headers.get('host'),
                    has_authority=':authority' in req.headers or ':authority' in req.rawHeaders)
        res.end()

    def client(session, done):
        req = session.request({':path': '/foobar', ':method': 'GET', ':scheme': 'http',
                               'host': 'localhost:1234'})
        req.on('end', done)
        req.end()
        req.resume()
    run_exchange(run_loop, http2.createServer(on_request), client)
    assert seen == {'authority': 'localhost:1234', 'host': 'localhost:1234',
                    'has_authority': False}


def test_compat_flush_headers_sends_the_head_once(run_loop):
    # Ports test-http2-compat-serverresponse-flushheaders.js: flushHeaders()
    # sends the head (headersSent True), again is a no-op, writeHead() after
    # it is ERR_HTTP2_HEADERS_SENT; the client gets 200 without the refused
    # header.
    seen = {}

    def on_request(req, res):
        seen['before'] = res.headersSent
        res.flushHeaders()
        seen['after'] = res.headersSent
        res.flushHeaders()
        assert_code('ERR_HTTP2_HEADERS_SENT', lambda: res.writeHead(400, {'foo-bar': 'abc123'}))
        res.on('finish', lambda: nextTick(res.flushHeaders))
        seen['res'] = res

    def client(session, done):
        req = session.request({':path': '/'})

        def response(headers, flags, raw):
            seen['head'] = (headers[':status'], headers.get('foo-bar'))
            seen['res'].end()
        req.on('response', response)
        req.resume()
        req.on('end', done)
    run_exchange(run_loop, http2.createServer(on_request), client)
    assert (seen['before'], seen['after'], seen['head']) == (False, True, (200, None))


def test_compat_status_code_is_checked_when_set(run_loop):
    # Ports test-http2-compat-serverresponse-statuscode.js.
    seen = []

    def on_request(request, response):
        seen.append(response.statusCode)
        for status in (200, 300, 400, 500):
            response.statusCode = status
        for status in (100, 99, 600):
            try:
                response.statusCode = status
            except ValueError as error:
                seen.append(error.code)
        response.on('finish', lambda: seen.append('finish'))
        response.end()
    compat_get(run_loop, on_request)
    assert seen == [200, 'ERR_HTTP2_INFO_STATUS_NOT_ALLOWED', 'ERR_HTTP2_STATUS_INVALID',
                    'ERR_HTTP2_STATUS_INVALID', 'finish']


def test_compat_finished_and_the_socket_after_finish(run_loop):
    # Ports test-http2-compat-serverresponse-finished.js: finished and
    # writableEnded turn True at end(); socket and connection are the same
    # socket until 'finish', None after it; the stream stays.
    import pyuvnet as net
    seen = []

    def on_request(request, response):
        seen.append((isinstance(response.socket, net.Socket),
                     response.socket is response.connection))

        def on_finish():
            seen.append((response.socket, response.connection))
            net.nextTick(lambda: seen.append(response.stream is not None))
        response.on('finish', on_finish)
        seen.append((response.finished, response.writableEnded))
        response.end()
        seen.append((response.finished, response.writableEnded))
    compat_get(run_loop, on_request)
    assert seen == [(True, True), (False, False), (True, True), (None, None), True]


def test_compat_request_version_and_socket(run_loop):
    # Ports test-http2-compat-serverrequest.js.
    import pyuvnet as net
    seen = []

    def on_request(request, response):
        seen.append((request.httpVersion, request.httpVersionMajor, request.httpVersionMinor))
        seen.append((isinstance(request.socket, net.Socket),
                     request.socket is request.connection))
        response.on('finish', lambda: nextTick(lambda: seen.append(request.socket is not None)))
        response.end()
    compat_get(run_loop, on_request)
    assert seen == [('2.0', 2, 0), (True, True), True]


def test_compat_write_after_the_stream_closed_or_ended(run_loop):
    # Ports the first two parts of test-http2-compat-serverresponse-write.js:
    # write() is True while open; after stream.close() a write's callback
    # gets ERR_HTTP2_INVALID_STREAM (no 'error'), and the next write is
    # falsy; after end() a write's callback gets ERR_STREAM_WRITE_AFTER_END.
    seen = []

    def on_request(request, response):
        seen.append(response.write('muahaha', 'utf8', lambda *_: seen.append('written')))

        def after_close(*_):
            response.on('error', lambda error: seen.append(('error', error.code)))

            def on_written(err):
                seen.append(err.code)
                seen.append(bool(response.write('muahaha', lambda *_: seen.append('cb'))))
            response.write('muahaha', on_written)
        response.stream.close(0, after_close)
    compat_get(run_loop, on_request)

    def on_request_ended(request, response):
        response.end()
        response.write('asd', lambda err: seen.append(err.code))
    compat_get(run_loop, on_request_ended)
    assert seen[:4] == [True, 'written', 'ERR_HTTP2_INVALID_STREAM', False]
    assert seen[-1] == 'ERR_STREAM_WRITE_AFTER_END'
    assert ('error', 'ERR_HTTP2_INVALID_STREAM') not in seen


def test_compat_a_paused_request_reads_nothing_until_resumed(run_loop):
    # Ports test-http2-compat-serverrequest-pause.js.
    import pyuvnet as net
    seen = []
    body = 'Request Body from Client'

    def on_request(request, response):
        data = []
        request.pause()
        request.setEncoding('utf8')
        request.on('data', data.append)
        net.setTimeout(lambda: (seen.append(''.join(data)), request.resume()), 100)
        request.on('end', lambda: (seen.append(''.join(data)), response.end()))
        response.on('finish', lambda: nextTick(lambda: (request.pause(), request.resume(),
                                                        seen.append('finish'))))

    def client(session, done):
        req = session.request({':path': '/foobar', ':method': 'POST'})
        req.resume()
        req.end(body)
        req.on('end', done)
    compat_get(run_loop, on_request, client)
    assert seen == ['', body, 'finish']


def test_compat_connect_goes_to_the_connect_event(run_loop):
    # Ports test-http2-compat-method-connect.js: a CONNECT is the server's
    # 'connect' (never 'request'), twice over two sessions.
    seen = []
    server = http2.createServer(lambda *_: seen.append('request'))

    def on_connect(request, response):
        seen.append(request.headers[':method'])
        response.statusCode = 405
        response.end()
    server.on('connect', on_connect)
    from http2_support import listen
    port = listen(run_loop, server)

    def attempt(left):
        if not left:
            server.close()
            return
        client = http2.connect('http://127.0.0.1:%d' % port)
        req = client.request({':method': 'CONNECT', ':authority': 'localhost:%d' % port})
        req.on('response', lambda headers, *_: seen.append(headers[':status']))
        req.resume()
        req.on('end', lambda: (client.close(), attempt(left - 1)))
        req.end()
    attempt(2)
    run_loop(10)
    assert seen == ['CONNECT', 405, 'CONNECT', 405]


def test_compat_trailers_and_their_errors(run_loop):
    # Ports test-http2-compat-serverresponse-trailers.js.
    seen = []

    def on_request(request, response):
        response.addTrailers({'ABC': 123})
        response.setTrailer('ABCD', 123)
        for call in (lambda: response.addTrailers({'': 'test'}),
                     lambda: response.setTrailer('test', None),
                     lambda: response.setTrailer(None, 'x'),
                     lambda: response.setTrailer('', 'x')):
            try:
                call()
            except TypeError as error:
                seen.append((error.code, str(error)))
        response.end('hello')

    def client(session, done):
        req = session.request()
        req.on('trailers', lambda headers, *_: seen.append((headers['abc'], headers['abcd'])))
        req.resume()
        req.on('end', done)
    compat_get(run_loop, on_request, client)
    assert seen == [
        ('ERR_INVALID_HTTP_TOKEN', 'Header name must be a valid HTTP token [""]'),
        ('ERR_HTTP2_INVALID_HEADER_VALUE', 'Invalid value "null" for header "test"'),
        ('ERR_INVALID_ARG_TYPE', 'The "name" argument must be of type string. Received None'),
        ('ERR_INVALID_HTTP_TOKEN', 'Header name must be a valid HTTP token [""]'),
        ('123', '123')]


def test_compat_request_and_response_close_when_the_client_goes(run_loop):
    # Ports test-http2-compat-serverresponse-close.js.
    seen = []
    server = http2.createServer()

    def on_request(request, response):
        response.writeHead(200)
        response.write('a')
        request.on('close', lambda: seen.append('request close'))
        response.on('close', lambda: seen.append('response close'))
        request.on('error', lambda error: seen.append(error.code))
    server.on('request', on_request)

    def client(session, done):
        req = session.request()
        req.on('error', lambda error: None)
        req.on('data', lambda chunk: (session.destroy(), server.close()))
    run_exchange(run_loop, server, client)
    assert sorted(seen) == ['request close', 'response close']


def test_compat_drain_is_the_streams(run_loop):
    # Ports test-http2-compat-serverresponse-drain.js.
    seen = []

    def on_request(request, response):
        response.stream._writableState.highWaterMark = 5
        seen.append(response.write('tests'))
        response.on('drain', lambda: response.end('tests'))

    def client(session, done):
        req = session.request({':path': '/foobar', ':method': 'POST'})
        req.resume()
        req.end()
        data = []
        req.setEncoding('utf8')
        req.on('data', data.append)
        req.on('end', lambda: (seen.append(''.join(data)), done()))
    compat_get(run_loop, on_request, client)
    assert seen == [False, 'teststests']


def test_compat_set_header_and_a_dropped_connection_header(run_loop, monkeypatch):
    # Ports test-http2-server-set-header.js: headers set by the handler
    # arrive lower-cased; a connection header is dropped with Node's
    # UnsupportedWarning.
    import warnings
    monkeypatch.setattr(importlib.import_module('pyuvnet.http2._compat'), '_warned', set())
    body = '<html><head></head><body><h1>this is some data</h2></body></html>'
    seen = []

    def on_request(request, response):
        response.setHeader('foobar', 'baz')
        response.setHeader('X-POWERED-BY', 'node-test')
        response.setHeader('connection', 'connection-test')
        response.end(body)

    def client(session, done):
        req = session.request({':path': '/'})
        req.setEncoding('utf8')
        req.on('response', lambda headers, *_: seen.append(
            (headers['foobar'], headers['x-powered-by'], 'connection' in headers)))
        data = []
        req.on('data', data.append)
        req.on('end', lambda: (seen.append(''.join(data)), done()))
        req.end()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        compat_get(run_loop, on_request, client)
    assert seen == [('baz', 'node-test', False), body]
    assert any('The provided connection header is not valid' in str(w.message) for w in caught)


def test_compat_writes_to_a_destroyed_stream_do_not_raise(run_loop):
    # Ports test-http2-compat-write-head-destroyed.js.
    seen = []

    def on_request(request, response):
        request.stream.destroy()
        response.writeHead(200)
        response.write('hello ')
        response.end('world')

    def client(session, done):
        req = session.request()
        req.on('response', lambda *_: seen.append('response'))
        req.on('error', lambda error: None)
        req.on('close', lambda: (seen.append('close'), done()))
        req.resume()
    compat_get(run_loop, on_request, client)
    assert seen == ['close']


def test_compat_headers_set_after_destroy_do_not_raise(run_loop):
    # Ports test-http2-compat-serverresponse-headers-after-destroy.js.
    seen = []

    def on_request(request, response):
        def on_finish():
            seen.append(response.headersSent)
            response.setHeader('test', 'value')
            response.removeHeader('test')
            nextTick(lambda: (response.setHeader('test', 'value'), response.removeHeader('test'),
                              seen.append('later')))
        response.on('finish', on_finish)
        response.destroy()

    def client(session, done):
        req = session.request()
        req.on('error', lambda error: None)
        req.on('close', done)
        req.end()
        req.resume()
    compat_get(run_loop, on_request, client)
    assert seen == [False, 'later']


def test_compat_a_request_piped_to_a_file_is_complete(run_loop, tmp_path):
    # Ports test-http2-compat-serverrequest-pipe.js (a generated file for
    # Node's fixture image).
    import os
    from pyuvnet import fs
    data = os.urandom(200 * 1024)
    source_path, dest_path = tmp_path / 'in.bin', tmp_path / 'out.bin'
    source_path.write_bytes(data)
    seen = []

    def on_request(request, response):
        dest = request.pipe(fs.createWriteStream(str(dest_path)))
        dest.on('finish', lambda: (seen.append((request.complete, dest_path.read_bytes() == data)),
                                   response.end()))

    compat_get(run_loop, on_request,
                    lambda session, done: upload_file(session, source_path, seen, done))
    assert seen == [(True, True), 'response']


def test_compat_a_short_body_piped_is_kept_for_a_late_reader(run_loop):
    # Ports test-http2-compat-short-stream-client-server.js: the client
    # starts reading 100 ms after the response; no 'close' before it reads.
    import pyuvnet as net
    from pyuvnet.stream import Readable
    seen = []

    def on_request(request, response):
        response.setHeader('content-type', 'text/html')

        def read(self, size):
            self.push('test')
            self.push(None)
        Readable(read=read).pipe(response)

    def client(session, done):
        req = session.request()
        req.on('response', lambda headers, *_: seen.append(
            (headers[':status'], headers['content-type'])))
        early = lambda: seen.append('early close')   # noqa: E731
        req.on('close', early)

        def read_late():
            data = []
            req.setEncoding('utf8')
            req.removeListener('close', early)
            req.on('close', done)
            req.on('data', data.append)
            req.on('end', lambda: seen.append(''.join(data)))
        net.setTimeout(read_late, 100)
    compat_get(run_loop, on_request, client)
    assert seen == [(200, 'text/html'), 'test']
