"""Node 20's client-side http2 tests (test/parallel/test-http2-client-*.js
and their kin), rewritten for pyuvnet: each test names the Node test it
ports. Both ends are pyuvnet's, as in Node's tests."""
import os

import pytest

import pyuvnet as net
from pyuvnet import fs, http2
from http2_support import listen, run_exchange


def exchange(run_loop, on_stream, client, server=None):
    server = server or http2.createServer()
    if on_stream is not None:
        server.on('stream', on_stream)
    return run_exchange(run_loop, server, client)


def countdown(count, then):
    left = [count]

    def dec(*_):
        left[0] -= 1
        if left[0] == 0:
            then()
    return dec


def test_a_response_and_a_push_both_read_to_their_end(run_loop):
    # Ports test-http2-client-data-end.js: a response written in two parts
    # and a pushed stream written before and after a setImmediate; the
    # client reads 'test' and 'pushed by server data'.
    seen = {}

    def on_stream(stream, headers, flags, raw):
        def pushed(err, push, push_headers, *_):
            push.respond({'content-type': 'text/html', 'x-push-data': 'pushed by server'})
            push.write('pushed by server ')
            net.setImmediate(push.end, 'data')
            stream.end('st')
        stream.pushStream({':path': '/foobar'}, pushed)
        stream.respond({'content-type': 'text/html'})
        stream.write('te')

    def client(session, done):
        dec = countdown(2, done)
        req = session.request()
        req.on('response', lambda headers, flags, raw: seen.setdefault(
            'response', (headers[':status'], headers['content-type'])))

        def on_push_stream(stream, headers, flags, raw):
            seen['promise'] = (headers[':scheme'], headers[':path'])
            stream.on('push', lambda headers, flags, raw: seen.setdefault(
                'push', (headers[':status'], headers['x-push-data'])))
            stream.setEncoding('utf8')
            data = []
            stream.on('data', data.append)
            stream.on('end', lambda: seen.setdefault('pushed', ''.join(data)))
            stream.on('close', dec)
        session.on('stream', on_push_stream)
        req.setEncoding('utf8')
        data = []
        req.on('data', data.append)
        req.on('end', lambda: seen.setdefault('data', ''.join(data)))
        req.on('close', dec)
    exchange(run_loop, on_stream, client)
    assert seen == {'response': (200, 'text/html'), 'promise': ('http', '/foobar'),
                    'push': (200, 'pushed by server'), 'pushed': 'pushed by server data',
                    'data': 'test'}


def test_a_session_destroyed_before_it_connects_cancels_its_request(run_loop):
    # Ports "destroy before client operations" of test-http2-client-destroy.js:
    # the pending request errs with ERR_HTTP2_STREAM_CANCEL and never ends;
    # each session call after destroy() is ERR_HTTP2_INVALID_SESSION, at
    # once and on the next turn; close() does nothing.
    seen = []
    server = http2.createServer()
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    req = client.request()
    req.on('error', lambda error: seen.append((error.code, str(error))))
    req.on('response', lambda *_: seen.append('response'))
    req.on('end', lambda: seen.append('end'))
    client.destroy()

    def calls():
        for call in (lambda: client.setLocalWindowSize(1), client.ping,
                     lambda: client.settings({}), client.goaway, client.request):
            try:
                call()
            except http2.ERR_HTTP2_INVALID_SESSION as error:
                seen.append(error.code)
        client.close()
    calls()
    net.setImmediate(calls)
    req.resume()
    req.on('close', lambda: (seen.append('close'), server.close()))
    run_loop(10)
    assert seen.count('ERR_HTTP2_INVALID_SESSION') == 10
    others = [item for item in seen if item != 'ERR_HTTP2_INVALID_SESSION']
    assert others == [('ERR_HTTP2_STREAM_CANCEL', 'The pending stream has been canceled'),
                      'close']


def test_a_server_destroying_the_session_in_stream_closes_the_client(run_loop):
    # Ports "destroy before goaway" of test-http2-client-destroy.js.
    seen = []
    server = http2.createServer()
    server.on('stream', lambda stream, *_: stream.session.destroy())
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))

    def on_close():
        seen.append('close')
        server.close()
        client.destroy()
    client.on('close', on_close)
    client.on('error', lambda error: seen.append(error.code))
    req = client.request()
    req.on('error', lambda error: None)
    run_loop(10)
    assert seen[-1:] == ['close']


def test_a_request_destroyed_before_connect_sends_no_stream(run_loop):
    # Ports "destroy before connect" of test-http2-client-destroy.js.
    seen = []
    server = http2.createServer()
    server.on('stream', lambda *_: seen.append('stream'))
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    server.on('connection', lambda socket: (seen.append('connection'), server.close(),
                                            client.close()))
    client.request().destroy()
    run_loop(10)
    assert seen == ['connection']


def test_a_request_then_close_before_connect_is_refused_with_goaway(run_loop):
    # Ports "close before connect" of test-http2-client-destroy.js: the
    # pending request errs with ERR_HTTP2_GOAWAY_SESSION, never ends, and
    # the session and its socket close.
    seen = []
    server = http2.createServer()
    server.on('stream', lambda *_: seen.append('stream'))
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    client.on('close', lambda: seen.append('session close'))
    client.socket.on('close', lambda *_: seen.append(('socket close', client.socket.destroyed)))
    req = client.request()
    req.on('error', lambda error: seen.append((error.code, str(error))))
    client.close()
    req.resume()
    req.on('end', lambda: seen.append('end'))
    req.on('close', lambda: (seen.append('close'), server.close()))
    run_loop(10)
    assert seen[:2] == [('ERR_HTTP2_GOAWAY_SESSION',
                         'New streams cannot be created after receiving a GOAWAY'), 'close']
    assert sorted(map(str, seen[2:])) == ["('socket close', True)", 'session close']


def test_a_file_piped_into_a_request_reaches_the_server_whole(run_loop, tmp_path):
    # Ports test-http2-client-upload.js (a generated file for Node's
    # fixture image).
    data = os.urandom(300 * 1024)
    path = tmp_path / 'upload.bin'
    path.write_bytes(data)
    got = []

    def on_stream(stream, headers, flags, raw):
        stream.on('data', got.append)
        stream.on('end', lambda: got.append('end'))
        stream.respond()
        stream.end()

    def client(session, done):
        dec = countdown(2, done)
        req = session.request({':method': 'POST'})
        req.on('response', lambda *_: got.append('response'))
        req.resume()
        req.on('end', dec)
        source = fs.createReadStream(str(path))
        source.on('close', dec)
        source.pipe(req)
    exchange(run_loop, on_stream, client)
    assert b''.join(chunk for chunk in got if isinstance(chunk, bytes)) == data
    assert 'end' in got and 'response' in got


def test_a_path_with_a_control_character_is_reset_with_protocol_error(run_loop):
    # Ports test-http2-client-unescaped-path.js: 33 requests whose path
    # has a character 0-32; the server's nghttp2 refuses each (no
    # 'stream'), and each request errs with ERR_HTTP2_STREAM_ERROR
    # PROTOCOL_ERROR.
    seen = []

    def client(session, done):
        dec = countdown(33, done)
        for i in range(33):
            req = session.request({':path': 'bad%spath' % chr(i)})
            req.on('error', lambda error: seen.append((error.code, str(error))))
            req.on('close', dec)
    exchange(run_loop, lambda *_: seen.append('stream'), client)
    assert seen == [('ERR_HTTP2_STREAM_ERROR',
                     'Stream closed with error code NGHTTP2_PROTOCOL_ERROR')] * 33


@pytest.mark.parametrize('option, good', [('endStream', bool), ('weight', int), ('parent', int),
                                          ('exclusive', bool), ('silent', bool)])
def test_request_options_of_the_wrong_type_are_refused(run_loop, option, good):
    # Ports test-http2-client-request-options-errors.js.
    values = {bool: True, 'function': lambda: 0, int: 1, 'object': {}, 'array': [], 'null': None}
    codes = []

    def client(session, done):
        def on_connect(*_):
            for kind, value in values.items():
                if kind is good or value is None:
                    continue
                try:
                    session.request({':method': 'CONNECT', ':authority': 'localhost:1'},
                                    {option: value})
                except TypeError as error:
                    codes.append(error.code)
            done()
        session.on('connect', on_connect)
    exchange(run_loop, None, client)
    assert codes == ['ERR_INVALID_ARG_TYPE'] * 4
