"""Node 20's client-side http2 tests (test/parallel/test-http2-client-*.js
and their kin), rewritten for pyuvnet: each test names the Node test it
ports. Both ends are pyuvnet's, as in Node's tests."""
import os

import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import countdown, exchange, listen, upload_file, upload_unread


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
        for call in (client.setNextStreamID, lambda: client.setLocalWindowSize(1), client.ping,
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
    assert seen.count('ERR_HTTP2_INVALID_SESSION') == 12
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

    exchange(run_loop, on_stream, lambda session, done: upload_file(session, path, got, done))
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


def test_writes_before_connect_are_sent_once_connected(run_loop):
    # Ports test-http2-client-write-before-connect.js.
    seen = {}

    def on_stream(stream, headers, flags, raw):
        data = []
        stream.setEncoding('utf8')
        stream.on('data', data.append)
        stream.on('end', lambda: seen.setdefault('data', ''.join(data)))
        stream.respond()
        stream.end('ok')

    def client(session, done):
        req = session.request({':method': 'POST'})
        req.write('some data ')
        req.end('more data')
        req.on('response', lambda *_: seen.setdefault('response', True))
        req.resume()
        req.on('end', lambda: seen.setdefault('end', True))
        req.on('close', done)
    exchange(run_loop, on_stream, client)
    assert seen == {'data': 'some data more data', 'response': True, 'end': True}


SETTING_ERRORS = [('headerTableSize', -1), ('headerTableSize', 2 ** 32),
                  ('initialWindowSize', -1), ('initialWindowSize', 2 ** 32), ('maxFrameSize', 1),
                  ('maxFrameSize', 2 ** 24), ('maxConcurrentStreams', -1),
                  ('maxConcurrentStreams', 2 ** 32), ('maxHeaderListSize', -1),
                  ('maxHeaderListSize', 2 ** 32), ('maxHeaderSize', -1), ('maxHeaderSize', 2 ** 32),
                  ('enablePush', 'a'), ('enablePush', 1), ('enablePush', 0), ('enablePush', {})]


def test_settings_before_connect_are_checked_then_sent(run_loop):
    # Ports test-http2-client-settings-before-connect.js (its
    # customSettings in test_http2_custom_settings.py): bad values are
    # ERR_HTTP2_INVALID_SETTING_VALUE, a callback that is not callable
    # ERR_INVALID_ARG_TYPE; good settings sent before the connection reach
    # the server, which sees two SETTINGS frames.
    seen = {'errors': [], 'remote': 0}
    server = http2.createServer()
    server.on('stream', lambda stream, *_: (stream.respond(), stream.end('ok')))
    server.on('session', lambda session: session.on(
        'remoteSettings', lambda settings: seen.__setitem__('remote', seen['remote'] + 1)))
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    for name, value in SETTING_ERRORS:
        try:
            client.settings({name: value})
        except http2.ERR_HTTP2_INVALID_SETTING_VALUE as error:
            seen['errors'].append(error.code)
    for callback in (1, True, {}, []):
        try:
            client.settings({}, callback)
        except TypeError as error:
            seen['errors'].append(error.code)
    client.settings({'maxFrameSize': 1234567})
    req = client.request()
    req.on('response', lambda *_: seen.setdefault('response', True))
    req.resume()
    req.on('close', lambda: (server.close(), client.close()))
    run_loop(10)
    assert seen['errors'] == (['ERR_HTTP2_INVALID_SETTING_VALUE'] * len(SETTING_ERRORS)
                              + ['ERR_INVALID_ARG_TYPE'] * 4)
    assert seen['remote'] == 2 and seen['response']


def test_close_before_connect_checks_its_arguments_then_resets(run_loop):
    # Ports test-http2-client-rststream-before-connect.js: close() with a
    # code out of range or a callback that is not callable throws and
    # leaves the stream open; close(1) closes it at once (`closed`; a
    # second close() does nothing), its readable side ends, and once it is
    # sent it is reset: 'error' ERR_HTTP2_STREAM_ERROR PROTOCOL_ERROR (no
    # 'response'), then 'close' with rstCode 1.
    seen = []
    server_errors = []
    server = http2.createServer()

    def on_stream(stream, *_):
        # (As Node 20's: the reset is the server stream's error too, once
        # server.close() leaves the session open.)
        stream.on('error', lambda error: server_errors.append(error.code))
        stream.respond()
        stream.end('ok')
    server.on('stream', on_stream)
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    req = client.request()
    try:
        req.close(2 ** 32)
    except Exception as error:
        seen.append((error.code, str(error), req.closed))
    for not_callable in (True, 1, {}, [], 'test'):
        try:
            req.close(1, not_callable)
        except TypeError as error:
            seen.append((error.code, req.closed))
    req.close(1, lambda: seen.append('callback'))
    seen.append(('closed', req.closed))
    req.close(2)
    req.on('close', lambda: (seen.append(('close', req.destroyed, req.rstCode)), server.close(),
                             client.close()))
    req.on('error', lambda error: seen.append((error.code, str(error))))
    req.on('response', lambda *_: seen.append('response'))
    req.on('end', lambda: seen.append('end'))
    req.resume()
    req.end()
    run_loop(10)
    assert seen[0] == ('ERR_OUT_OF_RANGE', 'The value of "code" is out of range. It must be '
                       '>= 0 && <= 4294967295. Received 4294967296', False)
    assert seen[1:6] == [('ERR_INVALID_ARG_TYPE', False)] * 5
    assert seen[6] == ('closed', True)
    # Node 20's order (pinned): end, error, the close callback, close.
    assert seen[7:] == ['end', ('ERR_HTTP2_STREAM_ERROR',
                                'Stream closed with error code NGHTTP2_PROTOCOL_ERROR'),
                        'callback', ('close', True, 1)]
    assert server_errors == ['ERR_HTTP2_STREAM_ERROR']


def test_a_request_destroyed_with_an_error_before_connect_resets_internal(run_loop):
    # Ports test-http2-client-stream-destroy-before-connect.js.
    seen = []
    server = http2.createServer()
    server.on('stream', lambda stream, *_: (stream.on('error', lambda error: None),
                                            stream.respond(), stream.end()))
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    dec = countdown(2, lambda: (server.close(), client.close()))
    client.on('connect', dec)
    req = client.request()
    req.destroy(RuntimeError('test'))
    req.on('error', lambda error: seen.append(str(error)))
    req.on('close', lambda: (seen.append(req.rstCode), dec()))
    req.on('response', lambda *_: seen.append('response'))
    req.resume()
    req.on('end', lambda: seen.append('end'))
    run_loop(10)
    assert seen == ['test', http2.constants.NGHTTP2_INTERNAL_ERROR]


def test_a_session_closed_before_it_connects_calls_back(run_loop):
    # Ports test-http2-client-shutdown-before-connect.js.
    seen = []
    server = http2.createServer()
    server.on('stream', lambda *_: seen.append('stream'))
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    client.close(lambda: (seen.append('closed'), server.close()))
    run_loop(10)
    assert seen == ['closed']


def test_a_client_socket_destroyed_mid_response_aborts_the_server_stream(run_loop):
    # Ports test-http2-client-socket-destroy.js: the server stream (never
    # ended) gets 'aborted' and 'close'; the client's request ends and
    # closes, and so does its session.
    seen = []
    server = http2.createServer()

    def on_stream(stream, *_):
        stream.on('aborted', lambda: seen.append('server aborted'))
        stream.on('close', lambda: seen.append('server close'))
        stream.respond()
        stream.write('<html><head></head><body><h1>this is some data</h2></body></html>')
    server.on('stream', on_stream)
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    req = client.request()
    req.on('response', lambda *_: client.socket.destroy())
    req.resume()
    req.on('end', lambda: seen.append('end'))
    req.on('close', lambda: (seen.append('close'), server.close()))
    client.on('close', lambda: seen.append('session close'))
    run_loop(10)
    assert sorted(seen) == ['close', 'end', 'server aborted', 'server close', 'session close']


def test_a_client_of_an_http1_server_errs_with_protocol_error(run_loop):
    # Ports test-http2-client-http1-server.js: http2.connect() to an
    # HTTP/1.1 server: its request and its session err with ERR_HTTP2_ERROR
    # 'Protocol error'; both close.
    from pyuvnet import http
    seen = []
    server = http.createServer(lambda req, res: seen.append('request'))
    client = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    req = client.request()
    req.on('close', lambda: seen.append('request close'))
    req.on('error', lambda error: seen.append(('request', error.code, str(error))))
    client.on('error', lambda error: seen.append(('session', error.code, str(error))))
    client.on('close', lambda: (seen.append('session close'), server.close()))
    run_loop(10)
    assert sorted(seen, key=str) == sorted([
        ('request', 'ERR_HTTP2_ERROR', 'Protocol error'), 'request close',
        ('session', 'ERR_HTTP2_ERROR', 'Protocol error'), 'session close'], key=str)


def test_an_upload_answered_400_unread_closes_clean(run_loop, tmp_path):
    # Ports test-http2-client-upload-reject.js (a generated file for
    # Node's JPEG): the server answers 400 a turn after the stream came,
    # without reading the upload; its stream closes with rstCode 0 and the
    # client's response ends.
    path = tmp_path / 'upload.bin'
    path.write_bytes(bytes(range(256)) * 1024)
    seen = []

    def on_stream(stream, *_):
        def answer():
            stream.on('close', lambda: seen.append(('server close', stream.rstCode)))
            stream.respond({':status': 400})
            stream.end()
        net.setImmediate(answer)

    exchange(run_loop, on_stream,
             lambda session, done: upload_unread(session, path, seen, done))
    assert sorted(seen, key=str) == sorted([400, 'end', ('server close', 0)], key=str)


def test_connect_calls_back_and_refuses_other_protocols(run_loop):
    # Ports test-http2-connect.js: connect() with or without options and a
    # listener, each session's 'connect'; a createConnection() giving an
    # already connected socket still calls back; 'ssh://' is
    # ERR_HTTP2_UNSUPPORTED_PROTOCOL.
    from support import assert_code
    seen = []
    server = http2.createServer()
    authority = 'http://localhost:%d' % listen(run_loop, server)
    clients = [http2.connect(authority), http2.connect(authority, {}),
               http2.connect(authority, {}, lambda *_: seen.append('listener')),
               http2.connect(authority, lambda *_: seen.append('listener'))]
    dec = countdown(len(clients) + 1, server.close)
    for client in clients:
        client.once('connect', lambda *_, client=client: (seen.append('connect'), client.close(),
                                                         dec()))

    def on_socket_connect(*_):
        http2.connect(authority, {'createConnection': lambda *_: socket},
                      lambda session, *_: (seen.append('on connected socket'), session.close(),
                                           dec()))
    socket = net.connect(server.address()['port'], '127.0.0.1', on_socket_connect)
    seen.append(assert_code('ERR_HTTP2_UNSUPPORTED_PROTOCOL',
                            lambda: http2.connect('ssh://localhost')).code)
    run_loop(10)
    assert sorted(seen) == sorted(['ERR_HTTP2_UNSUPPORTED_PROTOCOL', 'connect', 'connect',
                                   'connect', 'connect', 'listener', 'listener',
                                   'on connected socket'])
