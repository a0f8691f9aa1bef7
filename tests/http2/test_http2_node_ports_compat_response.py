"""Node 20's tests of the compatibility API's response (test/parallel/
test-http2-compat-serverresponse-*.js and their kin), rewritten for
pyuvnet: each test names the Node test it ports; the client is pyuvnet's
http2.connect(), the server an http2.createServer(handler)."""
import importlib

import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import compat_get, countdown, run_exchange
from support import assert_code


def head_request(session, done, seen):
    """A HEAD whose head (status, flags, 'foo') goes into ``seen``."""
    req = session.request({':method': 'HEAD'})
    req.on('response', lambda headers, flags, raw: seen.append(
        ('response', headers[':status'], flags, headers.get('foo'))))
    req.on('data', lambda chunk: seen.append(('data', chunk)))
    req.on('end', done)
    req.end()
    req.resume()


def test_compat_end_calls_back_and_a_second_end_only_calls_back(run_loop):
    # Ports the first part of test-http2-compat-serverresponse-end.js as
    # Node 20 runs it: end() takes (chunk, encoding, cb); an end() after
    # it, before or after 'finish', calls its callback with no error (a
    # later Node gives ERR_STREAM_ALREADY_FINISHED).
    seen = []

    def on_request(request, response):
        def on_ended(*args):
            seen.append(('cb', args))
            response.end(lambda *args: seen.append(('again', args)))
            net.nextTick(lambda: response.end(lambda *args: seen.append(('tick', args))))
        response.end('end', 'utf8', on_ended)
        response.on('finish', lambda: response.end(lambda *args: seen.append(('finish', args))))
        response.end(lambda *args: seen.append(('second', args)))
    assert compat_get(run_loop, on_request) == b'end'
    assert seen == [('second', ()), ('cb', ()), ('again', ()), ('tick', ()), ('finish', ())]


def test_compat_end_returns_the_response_and_takes_a_string(run_loop):
    # Ports the second to fourth parts of test-http2-compat-serverresponse-
    # end.js: end() returns the response, even twice; end(str, cb) sends
    # it as UTF-8; end(cb) sends no data and calls back.
    seen = []

    def on_request(request, response):
        seen.append(response.end('test\U0001F600', lambda *a: seen.append('cb')) is response)
        seen.append(response.end() is response)
    assert compat_get(run_loop, on_request).decode() == 'test\U0001F600'
    assert seen == [True, True, 'cb']

    def on_request_no_body(request, response):
        response.end(lambda *a: seen.append('cb2'))
    assert compat_get(run_loop, on_request_no_body) == b''
    assert seen[-1] == 'cb2'


def run_head(run_loop, on_request):
    """``on_request`` answers a HEAD; gives back what the client saw."""
    seen = []
    server = http2.createServer(lambda req, res: on_request(req, res, seen))
    run_exchange(run_loop, server, lambda session, done: head_request(session, done, seen))
    return seen


def test_compat_a_head_response_is_only_its_head(run_loop):
    # Ports the first HEAD part of test-http2-compat-serverresponse-end.js
    # as Node 20 runs it: neither finished nor writableEnded at first;
    # end('data') sends the head with END_STREAM (flags 5) and no data,
    # and calls back.
    def on_request(request, response, seen):
        seen.append((response.finished, response.writableEnded))
        response.writeHead(200, {'foo': 'bar'})
        response.end('data', lambda *a: seen.append('cb'))
        seen.append(response.writableEnded)
    assert run_head(run_loop, on_request) == [
        (False, False), True, 'cb', ('response', 200, 5, 'bar')]


def test_compat_a_head_request_ends_unread(run_loop):
    # Ports ".end should trigger 'end' event on request" of
    # test-http2-compat-serverresponse-end.js.
    def on_request(request, response, seen):
        request.on('end', lambda: seen.append('request end'))
        response.end()
    assert run_head(run_loop, on_request) == ['request end', ('response', 200, 5, None)]


def test_compat_end_from_the_streams_close_calls_back(run_loop):
    # Ports "call .end with cb from stream 'close'" of test-http2-compat-
    # serverresponse-end.js: the HEAD's stream closes at its head, and an
    # end() then calls back with no error.
    def on_request(request, response, seen):
        response.writeHead(200, {'foo': 'bar'})
        response.stream.on('close', lambda: response.end(lambda *a: seen.append(('cb', a))))
    assert run_head(run_loop, on_request) == [('cb', ()), ('response', 200, 5, 'bar')]


def test_compat_a_head_answered_later_and_a_second_end(run_loop):
    # Ports the last three parts of test-http2-compat-serverresponse-end.js:
    # a HEAD answered from a timer; from end()'s callback, end('data', cb)
    # and end() return the response, the callback gets no error (Node 20);
    # a HEAD answered with end('data') alone.
    def on_request(request, response, seen):
        def answer():
            response.writeHead(200, {'foo': 'bar'})

            def on_ended(*_):
                seen.append(response.end('data', lambda *a: seen.append(a)) is response)
                seen.append(response.end() is response)
            response.end('data', on_ended)
        net.setTimeout(answer, 10)
    assert run_head(run_loop, on_request) == [True, True, (), ('response', 200, 5, 'bar')]

    def on_request_end_only(request, response, seen):
        response.end('data', lambda *a: seen.append('cb'))
        seen.append(response.end('data', lambda *a: seen.append(a)) is response)
    assert run_head(run_loop, on_request_end_only) == [
        True, (), 'cb', ('response', 200, 5, None)]


def test_compat_write_head_overrides_set_headers_then_refuses(run_loop):
    # Ports test-http2-compat-serverresponse-writehead.js as Node 20 runs
    # it: writeHead()'s headers override setHeader()'s; a second
    # writeHead() is ERR_HTTP2_HEADERS_SENT; after 'finish' it does
    # nothing and returns the response (a later Node raises
    # ERR_HTTP2_INVALID_STREAM).
    seen = []

    def on_request(request, response):
        response.setHeader('foo-bar', 'def456')
        response.writeHead(418, {'foo-bar': 'abc123'})
        error = assert_code('ERR_HTTP2_HEADERS_SENT', lambda: response.writeHead(300))
        seen.append(str(error))
        response.on('finish', lambda: net.nextTick(
            lambda: seen.append(response.writeHead(300) is response)))
        response.end()

    def client(session, done):
        req = session.request()
        req.on('response', lambda headers, *_: seen.append(
            (headers[':status'], headers['foo-bar'])))
        req.on('end', done)
        req.end()
        req.resume()
    compat_get(run_loop, on_request, client)
    # The two ends' events interleave as their loop turns go: not pinned.
    assert sorted(seen, key=str) == [(418, 'abc123'), 'Response has already been initiated.',
                                     True]


def test_compat_response_headers_are_read_and_checked(run_loop):
    # Ports test-http2-compat-serverresponse-headers.js.
    seen = []

    def on_request(request, response):
        real, fake, odd = 'foo-bar', 'bar-foo', ' FOO-BAR\n\t'
        response.setHeader(real, 'abc123')
        seen.append((response.hasHeader(real), response.hasHeader(fake),
                     response.hasHeader(odd), response.getHeader(odd),
                     response.getHeader(fake)))
        response.removeHeader(fake)
        response.removeHeader(real)
        seen.append(response.hasHeader(real))
        response.setHeader(odd, 'abc123')
        seen.append((response.getHeader(odd), response.hasHeader(odd)))
        response.removeHeader(odd)
        seen.append(response.hasHeader(odd))
        for call in (response.hasHeader, response.getHeader, response.removeHeader,
                     lambda name: response.setHeader(name, 'x')):
            error = assert_code('ERR_INVALID_ARG_TYPE', lambda: call(None), TypeError)
            assert str(error).startswith('The "name" argument must be of type string')
        for name in (':status', ':method', ':path', ':authority', ':scheme'):
            error = assert_code('ERR_HTTP2_PSEUDOHEADER_NOT_ALLOWED',
                                lambda: response.setHeader(name, 'foobar'))
            assert str(error) == 'Cannot set HTTP/2 pseudo-headers'
        error = assert_code('ERR_HTTP2_INVALID_HEADER_VALUE',
                            lambda: response.setHeader(real, None), TypeError)
        # Node 20's message (a later Node's test reads another).
        assert str(error) == 'Invalid value "null" for header "foo-bar"'
        error = assert_code('ERR_INVALID_HTTP_TOKEN', lambda: response.setHeader('', 'x'),
                            TypeError)
        assert str(error) == 'Header name must be a valid HTTP token [""]'
        response.setHeader(real, 'abc123')
        seen.append((response.getHeaderNames(), response.getHeaders()))
        response.getHeaders()[fake] = fake
        seen.append(response.hasHeader(fake))
        seen.append(response.sendDate)
        response.sendDate = False
        seen.append(response.sendDate)

        def check_sent(tag):
            seen.append((tag, response.headersSent))
            for call in (lambda: response.setHeader(real, 'abc123'),
                         lambda: response.removeHeader(real)):
                error = assert_code('ERR_HTTP2_HEADERS_SENT', call)
                assert str(error) == 'Response has already been initiated.'
        response.on('finish', lambda: (check_sent('finish'),
                                       net.nextTick(check_sent, 'tick')))
        response.end()
    compat_get(run_loop, on_request)
    assert seen == [(True, False, True, 'abc123', None), False, ('abc123', True), False,
                    (['foo-bar'], {'foo-bar': 'abc123'}), False, True, False,
                    ('finish', True), ('tick', True)]


def test_compat_status_message_is_empty_and_setting_it_warns(run_loop, monkeypatch):
    # Ports test-http2-compat-serverresponse-statusmessage-property.js and
    # test-http2-compat-serverresponse-statusmessage-property-set.js:
    # statusMessage reads ''; setting it only warns (UnsupportedWarning,
    # once a process: a fresh record makes it this test's).
    seen = []

    def on_request(request, response):
        response.statusMessage = 'Coffee'
        response.on('finish', lambda: seen.append(response.statusMessage))
        response.end()
    monkeypatch.setattr(importlib.import_module('pyuvnet.http2._compat'), '_warned', set())
    with pytest.warns(RuntimeWarning,
                      match=r'Status message is not supported by HTTP/2 \(RFC7540 8.1.2.4\)'):
        compat_get(run_loop, on_request)
    assert seen == ['']


def test_compat_response_req_is_the_request_and_writable(run_loop):
    # Ports test-http2-compat-serverresponse.js.
    seen = []

    def on_request(request, response):
        seen.append(response.req is request)
        response.req = None
        seen.append(response.req)
        response.end()
    compat_get(run_loop, on_request)
    assert seen == [True, None]


def test_compat_destroying_the_response_resets_the_stream(run_loop):
    # Ports test-http2-compat-serverresponse-destroy.js: destroy() without
    # an error ends the client's stream cleanly; with an error (a string
    # or an Error) it is reset with INTERNAL_ERROR; nothing emits 'error'
    # on the server, and destroy() after 'finish' raises nothing.
    seen = []
    errors = ['test-error', Exception('test')]

    def on_request(request, response):
        request.on('error', lambda e: seen.append('request error'))
        response.on('error', lambda e: seen.append('response error'))
        error = None if request.url == '/' else errors.pop(0)
        response.on('finish', lambda: (response.destroy(error),
                                       net.nextTick(response.destroy, error)))
        response.destroy(error)

    def client(session, done):
        dec = countdown(3, done)
        for path in ('/', '/error', '/error'):
            req = session.request({':path': path})
            req.on('response', lambda *_: seen.append('response'))
            req.on('error', lambda e, path=path: seen.append((path, e.code, str(e))))
            req.on('end', lambda path=path: seen.append((path, 'end')))
            req.on('close', dec)
            req.resume()
    compat_get(run_loop, on_request, client)
    message = 'Stream closed with error code NGHTTP2_INTERNAL_ERROR'
    # Node 20's: the reset requests end with 'error', not 'end'.
    assert seen == [('/', 'end'), ('/error', 'ERR_HTTP2_STREAM_ERROR', message),
                    ('/error', 'ERR_HTTP2_STREAM_ERROR', message)]


def test_compat_response_writable_properties(run_loop):
    # Ports test-http2-res-writable-properties.js as Node 20 runs it: the
    # high water mark is the socket's; writableLength counts what write() took and is 0 at
    # 'finish', where writableFinished is true. (writableObjectMode and
    # writableNeedDrain, which a later Node adds, are left out.)
    seen = []

    def on_request(request, response):
        seen.append(response.writableHighWaterMark == request.socket.writableHighWaterMark)
        seen.append(response.writableLength)
        response.write('')
        length = response.writableLength
        response.write('asd')
        seen.append(response.writableLength - length)
        response.end()
        response.on('finish', lambda: seen.append((response.writableLength,
                                                   response.writableFinished)))
    compat_get(run_loop, on_request)
    assert seen == [True, 0, 3, (0, True)]


def test_compat_empty_writes_between_chunks_send_nothing(run_loop):
    # Ports test-http2-write-empty-string.js: writes of '' among the body's
    # chunks leave the body as the other chunks make it.
    def on_request(request, response):
        response.writeHead(200, {'Content-Type': 'text/plain'})
        for chunk in ('1\n', '', '2\n', ''):
            response.write(chunk)
        response.end('3\n')
    assert compat_get(run_loop, on_request) == b'1\n2\n3\n'
