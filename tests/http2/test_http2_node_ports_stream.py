"""Node 20's tests of the core API's streams: timeouts, respondWithFile()
and pushes (test/parallel/test-http2-*.js), rewritten for pyuvnet: each
test names the Node test it ports. Both ends are pyuvnet's."""
import os

import pyuvnet as net
from pyuvnet import http2
from http2_support import exchange
from support import assert_code


def test_stream_and_session_timeouts_fire_and_their_arguments_are_checked(run_loop):
    # Ports test-http2-timeouts.js: the client's session times out, then
    # the request it makes there; the server stream's timeout answers it.
    # msecs must be a finite number >= 0, the callback a function.
    seen = []

    def on_stream(stream, headers, *_):
        stream.setTimeout(1, lambda: (stream.respond({':status': 200}),
                                      stream.end('hello world')))
        for call, code, message in (
                (lambda: stream.setTimeout('100'), 'ERR_INVALID_ARG_TYPE',
                 'The "msecs" argument must be of type number'),
                (lambda: stream.setTimeout(0, object()), 'ERR_INVALID_ARG_TYPE',
                 'The "callback" argument must be of type function'),
                (lambda: stream.setTimeout(100, {}), 'ERR_INVALID_ARG_TYPE',
                 'The "callback" argument must be of type function'),
                (lambda: stream.setTimeout(-1), 'ERR_OUT_OF_RANGE',
                 'The value of "msecs" is out of range. It must be a non-negative finite'
                 ' number. Received -1'),
                (lambda: stream.setTimeout(float('inf')), 'ERR_OUT_OF_RANGE',
                 'The value of "msecs" is out of range')):
            seen.append(str(assert_code(code, call)).startswith(message))

    def client(session, done):
        def on_session_timeout():
            req = session.request({':path': '/'})

            def on_request_timeout():
                req.on('response', lambda headers, *_: seen.append(headers[':status']))
                req.on('end', done)
                req.resume()
                req.end()
            req.setTimeout(1, on_request_timeout)
        session.setTimeout(1, on_session_timeout)
    exchange(run_loop, on_stream, client)
    assert seen == [True] * 5 + [200]


def test_a_streams_timeout_waits_for_its_activity_and_stops_at_close(run_loop):
    # Node's Http2Stream timer (test-http2-timeouts.js's kin): reads of the
    # stream push the timeout back; a stream's timer keeps no loop alive;
    # setTimeout(0) clears it; once closed, the timer and its 'timeout'
    # listeners are gone.
    seen = []

    def on_stream(stream, headers, *_):
        chunks = []
        stream.setTimeout(150, lambda: seen.append(('timeout', len(chunks))))
        stream.on('data', chunks.append)

        def on_end():
            stream.respond()
            stream.end()
        stream.on('end', on_end)
        stream.on('close', lambda: seen.append(('close', stream.listenerCount('timeout'))))

    def client(session, done):
        req = session.request({':method': 'POST'})
        sends = [10, 10, 10]

        def send_next():
            if sends:
                req.write(b'x')
                net.setTimeout(send_next, sends.pop())
            else:
                net.setTimeout(req.end, 400)
        send_next()
        req.resume()
        req.on('close', done)
    exchange(run_loop, on_stream, client)
    # Fired once, after the three writes 10 ms apart (each pushed its
    # 150 ms back), while the request waited 400 ms to end.
    assert seen == [('timeout', 3), ('close', 0)]

    cleared = []

    def on_stream_cleared(stream, headers, *_):
        stream.setTimeout(1, lambda: cleared.append('timeout'))
        stream.setTimeout(0)
        net.setTimeout(lambda: (stream.respond(), stream.end()), 20)
    exchange(run_loop, on_stream_cleared, lambda session, done: session.request().on(
        'close', done).resume())
    assert cleared == []


def file_exchange(run_loop, respond, tmp_path):
    """``respond(stream, path)`` answers a GET; gives back the client's
    status, headers and body. The file holds 'abcdefghijklmnop'."""
    path = tmp_path / 'file.txt'
    path.write_bytes(b'abcdefghijklmnop')
    seen = {}

    def client(session, done):
        req = session.request()
        req.on('response', lambda headers, *_: seen.update(headers=headers))
        body = []
        req.on('data', body.append)
        req.on('end', lambda: (seen.update(body=b''.join(body)), done()))
        req.end()
    exchange(run_loop, lambda stream, *_: respond(stream, str(path)), client)
    return seen


def test_respond_with_file_stat_check_may_answer_304_instead(run_loop, tmp_path):
    # Ports test-http2-respond-file-304.js: statCheck responds 304 itself
    # and returns False; the file's headers are not sent, nor its data.
    def respond(stream, path):
        def stat_check(stat, headers, *_):
            stream.respond({':status': 304})
            return False
        stream.respondWithFile(path, {'content-type': 'text/plain'}, {'statCheck': stat_check})
    seen = file_exchange(run_loop, respond, tmp_path)
    assert (seen['headers'][':status'], 'content-type' in seen['headers'], seen['body']) == \
        (304, False, b'')


def test_respond_with_file_errors_go_to_on_error(run_loop, tmp_path):
    # Ports test-http2-respond-file-404.js and -error-dir.js: a missing
    # file is ENOENT and a directory ERR_HTTP2_SEND_FILE (Node 20's
    # 'Directories cannot be sent'), both to onError
    # (statCheck never called), which answers 404.
    errors = []

    def respond_with(target):
        def respond(stream, path):
            def on_error(err):
                errors.append((err.code, str(err)))
                stream.respond({':status': 404})
                stream.end()
            stream.respondWithFile(target(path), {'content-type': 'text/plain'},
                                   {'onError': on_error,
                                    'statCheck': lambda *_: errors.append('statCheck')})
        return respond
    missing = str(tmp_path / 'not-a-file')
    seen = file_exchange(run_loop, respond_with(lambda path: missing), tmp_path)
    assert (seen['headers'][':status'], seen['body']) == (404, b'')
    seen = file_exchange(run_loop, respond_with(os.path.dirname), tmp_path)
    assert (seen['headers'][':status'], seen['body']) == (404, b'')
    assert errors == [('ENOENT', "ENOENT: no such file or directory, open '%s'" % missing),
                      ('ERR_HTTP2_SEND_FILE', 'Directories cannot be sent')]


def test_respond_with_file_sends_a_range_and_stat_check_sets_headers(run_loop, tmp_path):
    # Ports test-http2-respond-file-range.js: offset 8, length 3 sends
    # those bytes with content-length 3; statCheck's header goes too.
    def respond(stream, path):
        def stat_check(stat, headers, *_):
            headers['last-modified'] = 'Sat, 28 Nov 2026 00:00:00 GMT'
        stream.respondWithFile(path, {'content-type': 'text/plain'},
                               {'statCheck': stat_check, 'offset': 8, 'length': 3})
    seen = file_exchange(run_loop, respond, tmp_path)
    headers = seen['headers']
    assert (headers['content-type'], int(headers['content-length']), headers['last-modified'],
            seen['body']) == ('text/plain', 3, 'Sat, 28 Nov 2026 00:00:00 GMT', b'ijk')


def test_a_pushed_head_request_ends_at_once(run_loop):
    # Ports test-http2-server-push-stream-head.js: a push promised for a
    # HEAD has its writable side ended from the start; the client sees the
    # promise (scheme, path '/', authority), and ends by destroying its
    # session (the push is never answered).
    seen = []

    def on_stream(stream, headers, *_):
        port = stream.session.socket.localPort
        if headers[':path'] == '/':
            def pushed(err, push, *_):
                seen.append(push._writableState.ended)
                stream.end('test')
            stream.pushStream({':scheme': 'http', ':method': 'HEAD',
                               ':authority': 'localhost:%d' % port}, pushed)
        stream.respond({'content-type': 'text/html', ':status': 200})

    def client(session, done):
        session.on('stream', lambda stream, headers, *_: seen.append(
            (headers[':scheme'], headers[':path'], headers[':authority'].startswith('localhost:'))))
        req = session.request({':path': '/'})
        req.setEncoding('utf8')
        body = []
        req.on('data', body.append)
        req.on('end', lambda: (seen.append(''.join(body)), session.destroy(), done()))
        req.end()
    exchange(run_loop, on_stream, client)
    assert seen == [True, ('http', '/', True), 'test']


def test_a_head_requests_stream_is_ended_before_its_stream_event(run_loop):
    # As Node 20's (test-http2-head-request.js's server side): a HEAD's
    # stream has its writable side ended when 'stream' comes, so a write
    # errs with ERR_STREAM_WRITE_AFTER_END; respond() sends the head with
    # END_STREAM all the same.
    seen = []

    def on_stream(stream, headers, *_):
        seen.append(stream.writableEnded)
        stream.on('error', lambda error: seen.append(error.code))
        stream.respond()
        stream.write('data')

    def client(session, done):
        req = session.request({':method': 'HEAD'})
        req.on('response', lambda headers, flags, *_: seen.append((headers[':status'], flags)))
        req.on('data', lambda chunk: seen.append(chunk))
        req.on('close', done)
        req.resume()
    exchange(run_loop, on_stream, client)
    assert sorted(seen, key=str) == [(200, 5), 'ERR_STREAM_WRITE_AFTER_END', True]
