"""Node 20's tests of the compatibility API's request, its expectations,
early hints, pushes and errors (test/parallel/test-http2-compat-*.js),
rewritten for pyuvnet: each test names the Node test it ports; the client
is pyuvnet's http2.connect(), the server an http2.createServer()."""
import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import compat_get, countdown, run_exchange, upload_unread
from support import assert_code


def test_compat_a_get_request_ends_and_is_complete(run_loop):
    # Ports test-http2-compat-serverrequest-end.js: a GET's request is not
    # complete until its 'end', which comes though it has no body; at the
    # response's 'finish' the request's socket and stream are unreadable.
    seen = []

    def on_request(request, response):
        seen.append(request.complete)
        request.on('data', lambda chunk: None)

        def on_end():
            seen.append(request.complete)
            response.on('finish', lambda: seen.append(
                (request.stream.readable, request.socket is not None)))
            response.end()
        request.on('end', on_end)
    compat_get(run_loop, on_request)
    assert seen == [False, True, (False, True)]


def test_compat_a_request_aborted_after_a_write_is_complete(run_loop):
    # Ports test-http2-compat-aborted.js: the client destroys its session
    # once the response's first data came; the request is 'aborted' (and
    # complete), not before; the client's stream has no 'error' in Node 20
    # (a later Node gives it ERR_HTTP2_STREAM_ERROR CANCEL).
    seen = []

    def on_request(request, response):
        request.on('aborted', lambda: seen.append(('aborted', request.aborted,
                                                   request.complete)))
        seen.append((request.aborted, request.complete))
        response.write('hello')
        server.close()
    server = http2.createServer(on_request)

    def client(session, done):
        req = session.request({}, {'endStream': False})
        req.once('error', lambda error: seen.append((error.code, str(error))))
        req.on('data', lambda chunk: session.destroy())
    run_exchange(run_loop, server, client)
    assert seen == [(False, False), ('aborted', True, True)]


def test_compat_a_stream_error_is_the_streams_only(run_loop):
    # Ports test-http2-compat-errors.js: the stream destroyed with an error
    # emits it on the stream alone (neither request nor response), and
    # only the request is 'aborted'; the client's stream has no 'error' in
    # Node 20.
    seen = []

    def on_request(request, response):
        response.stream.on('error', lambda error: seen.append(('stream error', str(error))))
        request.on('error', lambda error: seen.append('request error'))
        response.on('error', lambda error: seen.append('response error'))
        request.on('aborted', lambda: seen.append('request aborted'))
        response.on('aborted', lambda: seen.append('response aborted'))
        response.write('hello')
        response.stream.destroy(Exception('kaboom'))
        server.close()
    server = http2.createServer(on_request)

    def client(session, done):
        req = session.request({}, {'endStream': False})
        req.once('error', lambda error: seen.append(error.code))
        req.on('data', lambda chunk: session.destroy())
    run_exchange(run_loop, server, client)
    assert seen == ['request aborted', ('stream error', 'kaboom')]


def continue_request(session, done, seen):
    """A POST with 'expect: 100-continue' whose body ends once the
    response's head came; its events go into ``seen``."""
    req = session.request({':method': 'POST', 'expect': '100-continue'})
    req.on('continue', lambda: seen.append('continue'))
    req.on('response', lambda headers, *_: (seen.append(headers[':status']), req.end()))
    req.setEncoding('utf8')
    body = []
    req.on('data', body.append)
    req.on('end', lambda: (seen.append(''.join(body)), done()))


def test_compat_expect_continue_gets_a_100_then_the_response(run_loop):
    # Ports test-http2-compat-expect-continue.js: without a 'checkContinue'
    # listener the server answers 100 and the request comes to 'request'.
    seen = []

    def on_request(request, response):
        response.end('other stuff!\n')
        seen.append('sent')
    server = http2.createServer(on_request)
    run_exchange(run_loop, server, lambda session, done: continue_request(session, done, seen))
    assert seen == ['sent', 'continue', 200, 'other stuff!\n']


def test_compat_check_continue_writes_the_100_itself(run_loop):
    # Ports test-http2-compat-expect-continue-check.js: 'checkContinue'
    # takes the request instead of 'request'; writeContinue() is False
    # once the head went, and after 'finish'.
    seen = []
    server = http2.createServer(lambda *_: seen.append('request'))

    def check(request, response):
        response.writeContinue()
        response.writeHead(200, {})
        response.end('other stuff!\n')
        seen.append(response.writeContinue())
        response.on('finish', lambda: net.nextTick(
            lambda: seen.append(response.writeContinue())))
    server.on('checkContinue', check)
    run_exchange(run_loop, server, lambda session, done: continue_request(session, done, seen))
    assert sorted(seen, key=str) == sorted(
        [False, False, 'continue', 200, 'other stuff!\n'], key=str)
    assert seen.index('continue') < seen.index(200) < seen.index('other stuff!\n')


def test_compat_another_expectation_goes_to_check_expectation(run_loop):
    # Ports test-http2-compat-expect-handling.js: an expectation other than
    # 100-continue goes to 'checkExpectation' (never 'request'), twice.
    seen = []
    server = http2.createServer(lambda *_: seen.append('request'))

    def check(request, response):
        seen.append(request.headers['expect'])
        response.statusCode = 417
        response.end()
    server.on('checkExpectation', check)

    def client(session, done):
        dec = countdown(2, done)
        for _ in range(2):
            req = session.request({'expect': 'meoww'})
            req.on('response', lambda headers, *_: (seen.append(headers[':status'])))
            req.on('end', dec)
            req.resume()
    run_exchange(run_loop, server, client)
    assert sorted(seen, key=str) == [417, 417, 'meoww', 'meoww']


def test_compat_an_upload_answered_400_unread_still_ends(run_loop, tmp_path):
    # Ports test-http2-compat-client-upload-reject.js (a generated file for
    # Node's JPEG): the handler answers 400 a turn later without reading
    # the upload; the client gets the 400 and its response ends, though
    # the file is not all sent (the file stream is closed then).
    path = tmp_path / 'upload.bin'
    path.write_bytes(bytes(range(256)) * 1024)
    seen = []

    def on_request(request, response):
        def reject():
            response.writeHead(400)
            response.end()
        net.setImmediate(reject)
        stream = response.stream
        stream.on('close', lambda: seen.append(('server', stream.rstCode, stream.readableLength)))

    compat_get(run_loop, on_request,
               lambda session, done: upload_unread(session, path, seen, done))
    # As Node's: the server resets the unread request with NO_ERROR (some
    # of its body buffered, then dropped) once its response is out.
    assert seen == [400, 'end', ('server', 0, 0)]


@pytest.mark.parametrize('side', ['request', 'response'])
def test_compat_set_timeout_fires_until_the_response_ends(run_loop, side):
    # Ports test-http2-compat-serverrequest-settimeout.js and
    # test-http2-compat-serverresponse-settimeout.js: the request's (or the
    # response's) timeout fires once and ends the response; set again from
    # its callback (the request's test) or after 'finish' (then a tick
    # later) it never fires and raises nothing.
    seen = []

    def on_request(request, response):
        target = request if side == 'request' else response

        def on_timeout():
            seen.append('timeout')
            response.end()
            if side == 'request':
                target.setTimeout(1, lambda: seen.append('again'))
        target.setTimeout(1, on_timeout)

        def on_finish():
            target.setTimeout(1, lambda: seen.append('after finish'))
            net.nextTick(lambda: seen.append(
                target.setTimeout(1, lambda: seen.append('after tick')) is target))
        response.on('finish', on_finish)
    compat_get(run_loop, on_request)
    net.setTimeout(lambda: None, 20)
    run_loop()
    assert seen == ['timeout', True]


def early_hints_exchange(run_loop, hints):
    """writeEarlyHints(``hints``) then a body; gives back the client's
    informational heads and its response's status and body."""
    seen = []

    def on_request(request, response):
        response.writeEarlyHints(hints)
        response.end('response content')

    def client(session, done):
        req = session.request()
        req.on('headers', lambda headers, *_: seen.append((headers[':status'], headers['link'])))
        req.on('response', lambda headers, *_: seen.append(headers[':status']))
        body = []
        req.on('data', body.append)
        req.on('end', lambda: (seen.append(b''.join(body)), done()))
    compat_get(run_loop, on_request, client)
    return seen


def test_compat_early_hints_go_as_a_103(run_loop):
    # Ports test-http2-compat-write-early-hints.js: a link string, a list
    # of them (joined with ', '), and an empty list (no 103 at all).
    css = '</styles.css>; rel=preload; as=style'
    js = '</scripts.js>; rel=preload; as=script'
    assert early_hints_exchange(run_loop, {'link': css}) == [
        (103, css), 200, b'response content']
    assert early_hints_exchange(run_loop, {'link': [css, js]}) == [
        (103, css + ', ' + js), 200, b'response content']
    assert early_hints_exchange(run_loop, {'link': []}) == [200, b'response content']


def test_compat_early_hints_of_the_wrong_type_or_value_are_refused(run_loop):
    # Ports test-http2-compat-write-early-hints-invalid-argument-type.js
    # and test-http2-compat-write-early-hints-invalid-argument-value.js:
    # hints that are no dict, and a link that is no string (Node's BigInt:
    # an int here), throw before anything is sent.
    seen = []

    def on_request(request, response):
        seen.append(assert_code('ERR_INVALID_ARG_TYPE', lambda: response.writeEarlyHints(
            'this should not be here')).code)
        seen.append(assert_code('ERR_INVALID_ARG_VALUE', lambda: response.writeEarlyHints(
            {'link': 100})).code)
        response.end()

    def client(session, done):
        req = session.request()
        req.on('headers', lambda *_: seen.append('headers'))
        req.on('end', done)
        req.resume()
    compat_get(run_loop, on_request, client)
    assert seen == ['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE']


def test_compat_create_push_response_pushes_then_refuses_when_closed(run_loop):
    # Ports test-http2-compat-serverresponse-createpushresponse.js: the
    # callback is required; the push's response (an even stream, 200 with
    # a date) and the request's both reach the client; once the response
    # closed, a push's callback gets ERR_HTTP2_INVALID_STREAM.
    seen = []

    def on_request(request, response):
        seen.append(response.stream.id % 2)
        response.write('This is a client-initiated response')
        error = assert_code('ERR_INVALID_ARG_TYPE', lambda: response.createPushResponse(
            {':path': '/pushed', ':method': 'GET'}, None), TypeError)
        seen.append(str(error).split('. ')[0])

        def pushed(error, push):
            seen.append((error, push.stream.id % 2))
            push.end('This is a server-initiated response')
            response.end()
            net.setImmediate(lambda: response.createPushResponse(
                {':path': '/pushed', ':method': 'GET'},
                lambda error, *_: seen.append(error.code)))
        response.createPushResponse({':path': '/pushed', ':method': 'GET'}, pushed)

    def client(session, done):
        dec = countdown(2, done)

        def read(stream, tag):
            stream.setEncoding('utf8')
            body = []
            stream.on('data', body.append)
            stream.on('end', lambda: (seen.append((tag, ''.join(body))), dec()))

        def on_push(stream, headers, *_):
            seen.append((headers[':path'], headers[':method'], headers[':scheme'],
                         headers[':authority'] == '127.0.0.1:%d' % session.socket.remotePort))
            stream.on('push', lambda headers, *_: seen.append(
                ('push', headers[':status'], 'date' in headers)))
            read(stream, 'pushed')
        session.on('stream', on_push)
        req = session.request({':path': '/', ':method': 'GET'})
        req.on('response', lambda headers, *_: seen.append(
            ('response', headers[':status'], 'date' in headers)))
        read(req, 'response')
    compat_get(run_loop, on_request, client)
    assert seen[:2] == [1, 'The "callback" argument must be of type function']
    assert sorted(seen[2:], key=str) == sorted([
        (None, 0), ('/pushed', 'GET', 'http', True), ('push', 200, True),
        ('response', 200, True), ('pushed', 'This is a server-initiated response'),
        ('response', 'This is a client-initiated response'), 'ERR_HTTP2_INVALID_STREAM'],
        key=str)
