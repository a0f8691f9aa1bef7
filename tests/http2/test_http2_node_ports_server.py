"""Node 20's server-side http2 tests (test/parallel/test-http2-*.js),
rewritten for pyuvnet: each test names the Node test it ports. Both ends
are pyuvnet's, as in Node's tests."""
import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import countdown, exchange, run_exchange

C = http2.constants

RST_TESTS = [(C.NGHTTP2_NO_ERROR, None), (C.NGHTTP2_NO_ERROR, None),
             (C.NGHTTP2_PROTOCOL_ERROR, 'NGHTTP2_PROTOCOL_ERROR'), (C.NGHTTP2_CANCEL, None),
             (C.NGHTTP2_REFUSED_STREAM, 'NGHTTP2_REFUSED_STREAM'),
             (C.NGHTTP2_INTERNAL_ERROR, 'NGHTTP2_INTERNAL_ERROR')]


def test_a_server_close_with_each_code_reaches_the_client(run_loop):
    # Ports test-http2-server-rst-stream.js: each request is 'aborted'
    # and closes with the server's code; an error code other than NO_ERROR
    # and CANCEL is ERR_HTTP2_STREAM_ERROR on both ends.
    server_errors, client_seen = [], []

    def on_stream(stream, headers, flags, raw):
        stream.on('error', lambda error: server_errors.append(str(error)))
        stream.close(int(headers['rstcode']))

    def client(session, done):
        dec = countdown(len(RST_TESTS), done)
        for code, _name in RST_TESTS:
            req = session.request({':method': 'POST', 'rstcode': code})
            events = []
            client_seen.append((code, events))
            req.on('aborted', lambda events=events: events.append('aborted'))
            req.on('error', lambda error, events=events: events.append(error.code))
            req.on('close', lambda req=req, events=events: (events.append(req.rstCode), dec()))
    exchange(run_loop, on_stream, client)
    for code, events in client_seen:
        name = dict(RST_TESTS)[code]
        assert events == ['aborted'] + (['ERR_HTTP2_STREAM_ERROR'] if name else []) + [code]
    assert sorted(server_errors) == sorted('Stream closed with error code %s' % name
                                           for _code, name in RST_TESTS if name)


def test_additional_headers_after_close_is_invalid_stream(run_loop):
    # Ports test-http2-server-rst-before-respond.js: close() then
    # additionalHeaders() throws ERR_HTTP2_INVALID_STREAM; the client gets
    # neither 'headers' nor 'response', and closes with NO_ERROR.
    seen = []

    def on_stream(stream, headers, flags, raw):
        stream.close()
        try:
            stream.additionalHeaders({':status': 123, 'abc': 123})
        except http2.ERR_HTTP2_INVALID_STREAM as error:
            seen.append(error.code)

    def client(session, done):
        req = session.request()
        req.on('headers', lambda *_: seen.append('headers'))
        req.on('response', lambda *_: seen.append('response'))
        req.on('close', lambda: (seen.append(req.rstCode), done()))
    exchange(run_loop, on_stream, client)
    assert seen == ['ERR_HTTP2_INVALID_STREAM', C.NGHTTP2_NO_ERROR]


def test_informational_headers_before_the_response(run_loop):
    # Ports test-http2-info-headers.js.
    seen = []

    def on_stream(stream, headers, flags, raw):
        for fields in ({':status': 201}, {':status': 101}, {':method': 'POST'}):
            try:
                stream.additionalHeaders(fields)
            except Exception as error:
                seen.append((error.code, str(error)))
        stream.additionalHeaders({':status': 100})
        stream.additionalHeaders({':status': 100})
        stream.respond({'content-type': 'text/html', ':status': 200})
        try:
            stream.additionalHeaders({'abc': 123})
        except http2.ERR_HTTP2_HEADERS_AFTER_RESPOND as error:
            seen.append((error.code, str(error)))
        stream.end('hello world')

    def client(session, done):
        req = session.request({':path': '/'})
        seen.append(hasattr(req, 'additionalHeaders'))
        req.on('headers', lambda headers, *_: seen.append(('headers', headers[':status'])))
        req.on('response', lambda headers, *_: seen.append(
            ('response', headers[':status'], headers['content-type'])))
        req.resume()
        req.on('end', done)
        req.end()
    exchange(run_loop, on_stream, client)
    assert seen == [
        False,
        ('ERR_HTTP2_INVALID_INFO_STATUS', 'Invalid informational status code: 201'),
        ('ERR_HTTP2_STATUS_101', 'HTTP status code 101 (Switching Protocols) is forbidden in '
         'HTTP/2'),
        ('ERR_HTTP2_INVALID_PSEUDOHEADER',
         '":method" is an invalid pseudoheader or is used incorrectly'),
        ('ERR_HTTP2_HEADERS_AFTER_RESPOND',
         'Cannot specify additional headers after response initiated'),
        ('headers', 100), ('headers', 100), ('response', 200, 'text/html')]


def test_write_callbacks_are_called_on_both_ends(run_loop):
    # Ports test-http2-write-callbacks.js.
    seen = {}

    def read_all(stream, key):
        data = []
        stream.setEncoding('utf8')
        stream.on('data', data.append)
        stream.on('end', lambda: seen.setdefault(key, ''.join(data)))

    def on_stream(stream, headers, flags, raw):
        stream.write('abc', lambda *_: stream.end('xyz'))
        read_all(stream, 'server')

    def client(session, done):
        req = session.request({':method': 'POST'})
        req.write('abc', lambda *_: req.end('xyz'))
        read_all(req, 'client')
        req.on('close', done)
    exchange(run_loop, on_stream, client)
    assert seen == {'server': 'abcxyz', 'client': 'abcxyz'}


def test_goaway_carries_its_opaque_data(run_loop):
    # Ports test-http2-goaway-opaquedata.js: the client's 'goaway' has the
    # code, the last stream id and the opaque data; the request still ends.
    seen = []
    server = http2.createServer()
    sessions = []

    def on_stream(stream, headers, flags, raw):
        sessions.append(stream.session)
        stream.session.on('close', lambda: seen.append('session close'))
        stream.session.goaway(0, 0, b'\x01\x02\x03\x04\x05')
        stream.respond()
        stream.end()
    server.on('stream', on_stream)
    server.on('close', lambda: seen.append('server close'))

    def client(session, done):
        def on_goaway(code, last, opaque):
            seen.append((code, last, opaque))
            sessions[0].close()
            server.close()
        session.once('goaway', on_goaway)
        req = session.request()
        req.resume()
        req.on('end', lambda: seen.append('end'))
        req.on('close', lambda: (seen.append('close'), session.close()))
        req.end()
    run_exchange(run_loop, server, client)
    assert seen[0] == (0, 1, b'\x01\x02\x03\x04\x05')
    assert sorted(seen[1:]) == ['close', 'end', 'server close', 'session close']


def test_wait_for_trailers_without_a_listener_ends_without_trailers(run_loop):
    # Ports test-http2-no-wanttrailers-listener.js.
    seen = []

    def on_stream(stream, headers, flags, raw):
        stream.respond(None, {'waitForTrailers': True})
        stream.end('ok')

    def client(session, done):
        req = session.request()
        req.resume()
        req.on('trailers', lambda *_: seen.append('trailers'))
        req.on('close', lambda: (seen.append('close'), done()))
    exchange(run_loop, on_stream, client)
    assert seen == ['close']


def test_a_hundred_streams_echo_their_uploads_at_once(run_loop):
    # Ports test-http2-multiplex.js: 100 concurrent POSTs, each written a
    # letter every 10 ms and piped back by the server.
    count = 100
    results = []

    def on_stream(stream, headers, flags, raw):
        stream.respond()
        stream.pipe(stream)

    def client(session, done):
        session.setMaxListeners(100)
        dec = countdown(count, done)

        def request():
            req = session.request({':method': 'POST'})
            data = []
            req.setEncoding('utf8')
            req.on('data', data.append)
            req.on('end', lambda: results.append(''.join(data)))
            req.on('close', dec)
            sent = [0]

            def write_chunk():
                if sent[0] < 10:
                    req.write(chr(97 + sent[0]))
                    net.setTimeout(write_chunk, 10)
                else:
                    req.end()
                sent[0] += 1
            write_chunk()
        for _ in range(count):
            request()
    exchange(run_loop, on_stream, client)
    assert results == ['abcdefghij'] * count


def test_sent_headers_info_headers_and_trailers_are_kept(run_loop):
    # Ports test-http2-sent-headers.js.
    seen = {}

    def on_stream(stream, headers, flags, raw):
        stream.additionalHeaders({':status': 102})
        seen['info'] = stream.sentInfoHeaders[0][':status']
        stream.respond({'abc': 'xyz'}, {'waitForTrailers': True})
        stream.on('wantTrailers', lambda: stream.sendTrailers({'xyz': 'abc'}))
        seen['sent'] = (stream.sentHeaders['abc'], stream.sentHeaders[':status'],
                        'date' in stream.sentHeaders)
        stream.end()
        stream.on('close', lambda: seen.setdefault('trailers', stream.sentTrailers['xyz']))

    def client(session, done):
        req = session.request()
        req.on('headers', lambda headers, flags, *_: seen.setdefault(
            'headers', (headers[':status'], isinstance(flags, int))))
        sent = req.sentHeaders
        seen['request'] = (sent[':method'], sent[':scheme'], sent[':path'],
                           sent[':authority'].startswith('127.0.0.1:'))
        req.resume()
        req.on('close', done)
    exchange(run_loop, on_stream, client)
    assert seen == {'info': 102, 'sent': ('xyz', 200, True), 'headers': (102, True),
                    'request': ('GET', 'http', '/', True), 'trailers': 'abc'}


def test_each_status_reaches_the_client(run_loop):
    # Ports test-http2-status-code.js.
    codes = [200, 202, 300, 400, 404, 451, 500]
    statuses = iter(codes)
    got = []

    def on_stream(stream, headers, flags, raw):
        stream.respond({':status': next(statuses)}, {'endStream': True})

    def client(session, done):
        dec = countdown(len(codes), done)
        for _ in codes:
            req = session.request()
            req.on('response', lambda headers, *_: got.append(headers[':status']))
            req.resume()
            req.on('end', dec)
    exchange(run_loop, on_stream, client)
    assert got == codes


def test_empty_chunks_piped_both_ways_are_skipped(run_loop):
    # Ports test-http2-zero-length-write.js.
    from pyuvnet.stream import Readable
    seen = {}

    def source():
        chunks = ['', 'asdf', '', 'foo', '', 'bar', '']

        def read(self, size):
            self.push(chunks.pop(0) if chunks else None)
        return Readable(read=read)

    def on_stream(stream, headers, flags, raw):
        data = []
        stream.respond()
        stream.resume()
        stream.setEncoding('utf8')
        stream.on('data', data.append)

        def on_end():
            source().pipe(stream)
            seen['server'] = ''.join(data)
        stream.on('end', on_end)

    def client(session, done):
        data = []
        req = session.request({':method': 'POST'})
        req.on('response', lambda *_: seen.setdefault('response', True))
        req.setEncoding('utf8')
        req.on('data', data.append)
        req.on('end', lambda: (seen.setdefault('client', ''.join(data)), done()))
        source().pipe(req)
    exchange(run_loop, on_stream, client)
    assert seen == {'server': 'asdffoobar', 'client': 'asdffoobar', 'response': True}


def test_pings_their_limit_and_their_argument_errors(run_loop):
    # Ports test-http2-ping.js (without its async_hooks counts): two
    # pings are answered with their payloads, a third over
    # maxOutstandingPings 2 gives False and ERR_HTTP2_PING_CANCEL; bad
    # payloads and callbacks throw; the server's ping is answered too.
    seen = []
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        def answered(err, duration, payload):
            seen.append(('server ping', err, isinstance(duration, float), len(payload)))
            stream.end('ok')
        seen.append(stream.session.ping(answered))
        stream.respond()
    server.on('stream', on_stream)

    def client(session, done):
        def on_connect(*_):
            for payload in (b'abcdefgh', b'abcdefgi'):
                seen.append(session.ping(payload, lambda err, duration, ret, payload=payload:
                                         seen.append((err, ret == payload))))
            seen.append(session.ping(lambda err, *_: seen.append(err.code)))
            for payload in (1, True, {}, []):
                try:
                    session.ping(payload)
                except TypeError as error:
                    seen.append(error.code)
            for payload in (b'abcdefg', b'abcdefghi'):
                try:
                    session.ping(payload)
                except http2.ERR_HTTP2_PING_LENGTH as error:
                    seen.append(str(error))
            for callback in (1, True, {}, []):
                try:
                    session.ping(b'abcdefgh', callback)
                except TypeError as error:
                    seen.append(error.code)
            req = session.request()
            req.resume()
            req.on('end', done)
        session.on('connect', on_connect)
    from http2_support import listen
    session = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server),
                            {'maxOutstandingPings': 2})
    client(session, lambda: (session.close(), server.close()))
    run_loop(10)
    assert seen[:3] == [True, True, False]
    assert seen[3:7] == ['ERR_INVALID_ARG_TYPE'] * 4
    assert seen[7:9] == ['HTTP2 ping payload must be 8 bytes'] * 2
    assert seen[9:13] == ['ERR_INVALID_ARG_TYPE'] * 4
    rest = seen[13:]
    assert 'ERR_HTTP2_PING_CANCEL' in rest and (None, True) in rest and rest.count((None, True)) == 2
    assert True in rest and ('server ping', None, True, 8) in rest


SINGLES = ['content-type', 'user-agent', 'referer', 'authorization', 'proxy-authorization',
           'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards']


def test_single_value_fields_refuse_two_values(run_loop):
    # Ports test-http2-single-headers.js.
    seen = []

    def client(session, done):
        for name in SINGLES:
            for fields in ({name: 'abc', name.upper(): 'xyz'}, {name: ['abc', 'xyz']}):
                try:
                    session.request(fields)
                except http2.ERR_HTTP2_HEADER_SINGLE_VALUE as error:
                    seen.append(str(error))
        done()
    exchange(run_loop, lambda *_: seen.append('stream'), client)
    assert seen == ['Header field "%s" must only have a single value' % name
                    for name in SINGLES for _ in range(2)]


def test_a_date_set_by_the_handler_is_the_one_sent(run_loop):
    # Ports test-http2-removed-header-stays-removed.js (compatibility API).
    seen = []

    def on_request(request, response):
        response.setHeader('date', 'snacks o clock')
        response.end()

    def client(session, done):
        req = session.request()
        req.on('response', lambda headers, *_: seen.append(headers['date']))
        req.resume()
        req.on('end', done)
    exchange(run_loop, None, client, http2.createServer(on_request))
    assert seen == ['snacks o clock']


def test_server_close_calls_back_once_its_sessions_are_closed(run_loop):
    # Ports test-http2-server-close-callback.js.
    seen = []
    server = http2.createServer()
    sessions = []

    def maybe_close():
        if len(seen) == 2:
            server.close(lambda *args: seen.append(('closed', args[0] if args else None)))
            sessions[0].close()
    server.on('session', lambda session: (sessions.append(session), seen.append('session'),
                                          maybe_close()))
    from http2_support import listen
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    client.on('connect', lambda *_: (seen.append('connect'), maybe_close()))
    run_loop(10)
    assert sorted(map(str, seen)) == ["('closed', None)", 'connect', 'session']


@pytest.mark.parametrize('path, frames', [('/singleEnd', [(1, 4), (0, 1)]),
                                          ('/sequentialEnd', [(1, 4), (0, 1)]),
                                          ('/delayedEnd', [(1, 4), (0, 0), (0, 1)])])
def test_end_stream_is_packed_with_the_last_data_when_it_can_be(run_loop, path, frames):
    # Ports test-http2-pack-end-stream-flag.js (a raw client counts the
    # frames where Node's counts framesReceived): end(data) and write() then
    # end() send one DATA with END_STREAM; an end() in the write's callback
    # sends an empty DATA with END_STREAM after it.
    from http2_support import (END_HEADERS, END_STREAM, HEADERS, PREFACE, RawPeer, frame,
                               listen, serve_until, settings)
    from h2_conformance_support import request
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.respond({'content-type': 'text/html', ':status': 200})
        if headers[':path'] == '/singleEnd':
            stream.end('OK')
        elif headers[':path'] == '/sequentialEnd':
            stream.write('OK')
            stream.end()
        else:
            stream.write('OK', lambda *_: stream.end())
    server.on('stream', on_stream)
    peer = RawPeer(listen(run_loop, server), [
        PREFACE + settings() + frame(HEADERS, END_HEADERS | END_STREAM, 1, request('GET', path))],
        timeout=1)
    serve_until(run_loop, server, peer)
    got = [(kind, flags & END_STREAM if kind == 0 else flags)
           for kind, flags, stream, _p in peer.frames() if stream == 1]
    assert got == frames


def test_a_stream_destroyed_after_a_write_still_responded(run_loop):
    # Ports test-http2-destroy-after-write.js.
    seen = []
    server = http2.createServer()

    def on_session(session):
        def on_stream(stream, headers, flags, raw):
            def on_end():
                stream.respond({':status': 200})
                stream.write('foo')
                stream.destroy()
            stream.on('end', on_end)
            stream.resume()
        session.on('stream', on_stream)
    server.on('session', on_session)

    def client(session, done):
        req = session.request({':method': 'POST'})
        req.on('response', lambda headers, *_: seen.append(headers[':status']))
        req.on('close', lambda: (seen.append('close'), done()))
        req.resume()
        req.end()
    run_exchange(run_loop, server, client)
    assert seen == [200, 'close']


def test_a_response_read_after_its_push_loses_no_data(run_loop):
    # Ports test-http2-dont-lose-data.js.
    seen = {}

    def on_stream(stream, headers, flags, raw):
        seen['allowed'] = stream.pushAllowed

        def pushed(err, push, *_):
            push.respond()
            push.end('a push stream')
        stream.pushStream({':path': '/file'}, pushed)
        stream.respond()
        stream.end('hello world')

    def client(session, done):
        req = session.request()
        pushes = []
        session.on('stream', lambda stream, headers, *_: (
            pushes.append(stream), seen.setdefault('path', headers[':path'])))

        def on_response(*_):
            push = pushes[0]
            data = []
            push.setEncoding('utf8')
            push.on('data', data.append)

            def read_response():
                body = []
                req.setEncoding('utf8')
                req.on('data', body.append)
                req.on('end', lambda: (seen.setdefault('body', ''.join(body)), done()))
            push.on('end', lambda: (seen.setdefault('push', ''.join(data)),
                                    net.setImmediate(read_response)))
        req.on('response', on_response)
    exchange(run_loop, on_stream, client)
    assert seen == {'allowed': True, 'path': '/file', 'push': 'a push stream',
                    'body': 'hello world'}


def test_trailers_after_the_session_began_closing_are_sent(run_loop):
    # Ports test-http2-trailers-after-session-close.js.
    seen = {}
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        server.close()
        stream.session.close()
        stream.on('wantTrailers', lambda: stream.sendTrailers({'xyz': 'abc'}))
        stream.respond({':status': 200}, {'waitForTrailers': True})
        stream.write('some data')
        stream.end()
    server.on('stream', on_stream)
    from http2_support import listen
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    client.socket.on('close', lambda *_: seen.setdefault('socket close', True))
    req = client.request({':path': '/', ':method': 'POST'})
    req.end()
    req.on('response', lambda *_: seen.setdefault('response', True))
    data = []
    req.on('data', data.append)
    req.on('end', lambda: seen.setdefault('data', b''.join(data)))
    req.on('trailers', lambda headers, *_: seen.setdefault('trailers', headers['xyz']))
    req.on('close', lambda: (seen.setdefault('close', True), client.close()))
    run_loop(10)
    assert seen == {'response': True, 'data': b'some data', 'trailers': 'abc', 'close': True,
                    'socket close': True}


def test_a_stream_over_max_concurrent_streams_is_refused(run_loop):
    # Ports test-http2-max-concurrent-streams.js: the server's
    # maxConcurrentStreams 1 reaches the client; its first POST is
    # answered, the second is refused (aborted, ERR_HTTP2_STREAM_ERROR
    # REFUSED_STREAM, no response, no end).
    seen = {'first': [], 'second': []}
    server = http2.createServer({'settings': {'maxConcurrentStreams': 1}})
    server.on('stream', lambda stream, *_: (seen.setdefault('streams', []).append(1),
                                            stream.respond(), stream.end('hello world')))

    def client(session, done):
        dec = countdown(2, done)
        session.on('remoteSettings', lambda settings: seen.setdefault(
            'max', settings.maxConcurrentStreams))
        for name in ('first', 'second'):
            req = session.request({':method': 'POST'})
            events = seen[name]
            for event in ('aborted', 'response', 'end'):
                req.on(event, lambda *_, event=event, events=events: events.append(event))
            req.on('error', lambda error, events=events: events.append(str(error)))
            req.resume()
            req.on('close', dec)
            if name == 'first':
                req.end()
    exchange(run_loop, None, client, server)
    assert seen['max'] == 1 and seen['streams'] == [1]
    assert seen['first'] == ['response', 'end']
    assert seen['second'] == ['aborted', 'Stream closed with error code NGHTTP2_REFUSED_STREAM']


def test_a_new_server_stream_is_not_aborted(run_loop):
    # Ports test-http2-stream-client.js (without util.inspect's text).
    seen = []

    def on_stream(stream, headers, flags, raw):
        seen.append(stream.aborted)
        stream.end('ok')

    def client(session, done):
        req = session.request()
        req.resume()
        req.on('close', done)
    exchange(run_loop, on_stream, client)
    assert seen == [False]
