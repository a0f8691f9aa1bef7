"""More of Node 20's test/parallel/test-http2-*.js, rewritten for pyuvnet:
servers (their options, files, raw peers' floods). Each test names the
Node test it ports; the sessions' and streams' are in
test_http2_node_ports_more.py."""
import os

import pyuvnet as net
from pyuvnet import http2
from http2_support import countdown, listen, run_exchange


def test_update_settings_are_the_next_sessions_settings(run_loop):
    # Ports test-http2-update-settings.js (of Node 20.x after 20.11, with
    # its customSettings; the options' symbol read as the next session's
    # SETTINGS): updateSettings() merges into the server's settings;
    # '' is ERR_INVALID_ARG_TYPE, a value of the wrong kind
    # ERR_HTTP2_INVALID_SETTING_VALUE (a RangeError).
    from support import assert_code
    server = http2.createServer({'settings': {'maxFrameSize': 16385}})
    server.updateSettings({'headerTableSize': 1, 'maxConcurrentStreams': 1,
                           'enableConnectProtocol': True, 'customSettings': {'9999': 301}})
    error = assert_code('ERR_INVALID_ARG_TYPE', lambda: server.updateSettings(''), TypeError)
    assert str(error).startswith('The "settings" argument must be of type object.')
    error = assert_code('ERR_HTTP2_INVALID_SETTING_VALUE',
                        lambda: server.updateSettings({'maxHeaderListSize': 'foo'}), ValueError)
    assert str(error) == 'Invalid value for setting "maxHeaderListSize": foo'
    seen = {}
    client = http2.connect('http://localhost:%d' % listen(run_loop, server),
                           {'remoteCustomSettings': [9999]})

    def on_settings(settings):
        seen.update({name: settings[name] for name in (
            'headerTableSize', 'maxConcurrentStreams', 'enableConnectProtocol', 'maxFrameSize',
            'customSettings')})
        client.close()
        server.close()
    client.once('remoteSettings', on_settings)
    run_loop()
    assert seen == {'headerTableSize': 1, 'maxConcurrentStreams': 1,
                    'enableConnectProtocol': True, 'maxFrameSize': 16385,
                    'customSettings': {9999: 301}}


def test_a_destroyed_server_socket_closes_stream_session_and_server(run_loop):
    # Ports test-http2-server-socket-destroy.js: the server destroys its
    # session's socket while answering a POST: the socket, the stream (its
    # 'aborted' too), the session and then the server close; the client's
    # request is 'aborted' and its session closes (an ECONNRESET allowed).
    seen = []
    server = http2.createServer()

    def on_stream(stream, *_):
        stream.respond()
        stream.write(b'test')
        socket = stream.session.socket
        socket.on('close', lambda *_: seen.append('socket close'))
        stream.on('close', lambda: seen.append('stream close'))
        stream.on('aborted', lambda: seen.append('stream aborted'))
        server.on('close', lambda: seen.append('server close'))
        stream.session.on('close', lambda: (seen.append('session close'), server.close()))
        socket.destroy()
    server.on('stream', on_stream)
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    errors = []
    client.on('error', lambda error: errors.append(error.code))
    client.on('close', lambda: seen.append('client close'))
    req = client.request({':method': 'POST'})
    req.on('error', lambda error: errors.append(error.code))
    req.on('aborted', lambda: seen.append('request aborted'))
    req.resume()
    run_loop(10)
    assert sorted(seen) == sorted(['socket close', 'stream close', 'stream aborted',
                                   'session close', 'server close', 'request aborted',
                                   'client close'])
    assert set(errors) <= {'ECONNRESET'}


def test_a_request_body_piped_to_a_file(run_loop, tmp_path):
    # Ports test-http2-pipe.js: a file (a generated 200 KiB for Node's
    # JPEG) piped into a POST; the server pipes the stream into an
    # fs.WriteStream and answers; the file written is the file sent.
    from pyuvnet import fs
    source = tmp_path / 'person-large.jpg'
    source.write_bytes(os.urandom(200 * 1024))
    target = tmp_path / 'http2-url-tests.js'
    seen = []
    server = http2.createServer()

    def on_stream(stream, *_):
        dest = stream.pipe(fs.createWriteStream(str(target)))
        dest.on('finish', lambda: seen.append(target.read_bytes() == source.read_bytes()))
        stream.respond()
        stream.end()
    server.on('stream', on_stream)
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    req = client.request({':method': 'POST'})
    req.on('response', lambda *_: seen.append('response'))
    req.resume()
    req.on('close', lambda: (server.close(), client.close()))
    stream = fs.createReadStream(str(source))
    stream.on('end', lambda: seen.append('read'))
    stream.pipe(req)
    run_loop(10)
    assert sorted(seen, key=str) == sorted(['response', 'read', True], key=str)


def test_respond_with_file_and_its_stat_check(run_loop, tmp_path):
    # Ports test-http2-respond-file.js: respondWithFile() of a text file
    # with content-type; statCheck adds last-modified (the stat's mtime as
    # an HTTP date) and content-length; the client reads the headers and
    # the whole file.
    from email.utils import formatdate
    path = tmp_path / 'elipses.txt'
    path.write_text('\u2026' * 2000, encoding='utf-8')
    data = path.read_bytes()
    mtime = formatdate(os.stat(path).st_mtime, usegmt=True)
    server = http2.createServer()

    def stat_check(stat, headers, *_):
        headers['last-modified'] = formatdate(stat.st_mtime, usegmt=True)
        headers['content-length'] = stat.st_size
    server.on('stream', lambda stream, *_: stream.respondWithFile(
        str(path), {'content-type': 'text/plain'}, {'statCheck': stat_check}))
    seen = {}
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    req = client.request()
    req.on('response', lambda headers, *_: seen.update(
        type=headers['content-type'], length=int(headers['content-length']),
        modified=headers['last-modified']))
    body = []
    req.on('data', body.append)
    req.on('end', lambda: (client.close(), server.close()))
    req.end()
    run_loop(10)
    assert seen == {'type': 'text/plain', 'length': len(data), 'modified': mtime}
    assert b''.join(body) == data


def test_servers_start_time_out_and_take_net_options(run_loop, tls_certs):
    # Ports test-http2-server-startup.js: both servers listen and close
    # with no 'error'; a plaintext and a TLS server's setTimeout(1000)
    # gives 'timeout' for a client that sends nothing; allowHalfOpen is
    # taken by both and given to their sockets. (Node's server.allowHalfOpen
    # is net.Server's field, which pyuvnet's net.Server does not have: not
    # read here.) As Node's, createServer() takes TLS options, unused.
    from pyuvnet import tls
    options = {'key': tls_certs.key, 'cert': tls_certs.cert}
    seen = []
    errors = []
    secure = http2.createSecureServer(options, lambda *_: None)
    secure.on('error', errors.append)
    secure.listen(0, lambda *_: (seen.append('secure listening'), secure.close()))
    plain = http2.createServer(options, lambda *_: errors.append('request'))
    plain.on('error', errors.append)
    plain.listen(0, lambda *_: (seen.append('plain listening'), plain.close()))
    def timing_out(server, connect):
        clients = []

        def on_timeout(*_):
            seen.append('timeout')
            server.close()
            for client in clients:
                client.end()
        server.on('timeout', on_timeout)
        server.setTimeout(1000, lambda *_: seen.append('timeout callback'))
        server.listen(0, lambda *_: clients.append(connect(server.address()['port'])))
    timing_out(http2.createServer(), lambda port: net.connect(port, '127.0.0.1'))
    timing_out(http2.createSecureServer(options), lambda port: tls.connect(
        {'port': port, 'host': '127.0.0.1', 'rejectUnauthorized': False,
         'ALPNProtocols': ['h2']}))

    def half_open(server, event, connect):
        def on_connection(socket):
            seen.append(('allowHalfOpen', socket.allowHalfOpen))
            socket.end()
            server.close()
        server.on(event, on_connection)

        def listening(*_):
            socket = connect(server.address()['port'])
            socket.on('error', lambda _error: None)
            socket.resume()
        server.listen(0, listening)
    half_open(http2.createServer({'allowHalfOpen': True}), 'connection',
              lambda port: net.connect(port, '127.0.0.1'))
    half_open(http2.createSecureServer(dict(options, allowHalfOpen=True)), 'secureConnection',
              lambda port: tls.connect({'port': port, 'host': '127.0.0.1',
                                        'rejectUnauthorized': False, 'ALPNProtocols': ['h2']}))
    run_loop(15)
    assert errors == []
    assert sorted(seen, key=str) == sorted(
        ['secure listening', 'plain listening'] + ['timeout', 'timeout callback'] * 2
        + [('allowHalfOpen', True)] * 2, key=str)


def _elipses(tmp_path):
    path = tmp_path / 'elipses.txt'
    path.write_text('\u2026' * 2000, encoding='utf-8')
    return path


def test_respond_with_an_open_fd(run_loop, tmp_path):
    # Ports test-http2-respond-file-fd.js: respondWithFD() of an open fd
    # with content-type and content-length; the client reads both and the
    # file; the fd stays the caller's (closed at the server's 'close').
    path = _elipses(tmp_path)
    data = path.read_bytes()
    fd = os.open(path, os.O_RDONLY)
    server = http2.createServer()
    server.on('stream', lambda stream, *_: stream.respondWithFD(
        fd, {'content-type': 'text/plain', 'content-length': len(data)}))
    closed = []
    server.on('close', lambda: (os.close(fd), closed.append(True)))
    seen = {}
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    req = client.request()
    req.on('response', lambda headers, *_: seen.update(
        type=headers['content-type'], length=int(headers['content-length'])))
    body = []
    req.on('data', body.append)
    req.on('end', lambda: (client.close(), server.close()))
    req.end()
    run_loop(10)
    assert seen == {'type': 'text/plain', 'length': len(data)}
    assert b''.join(body) == data and closed == [True]


def test_respond_with_file_from_the_compat_api(run_loop, tmp_path):
    # Ports test-http2-respond-file-compat.js: a 'request' handler answers
    # with response.stream.respondWithFile(); the client's 'response' and
    # 'end' come.
    path = _elipses(tmp_path)
    server = http2.createServer(lambda request, response: response.stream.respondWithFile(
        str(path)))
    seen = []

    def client(session, done):
        req = session.request()
        req.on('response', lambda *_: seen.append('response'))
        req.on('end', lambda: (seen.append('end'), done()))
        req.end()
        req.resume()
    run_exchange(run_loop, server, client)
    assert seen == ['response', 'end']


def test_a_pushed_stream_responds_with_an_fd(run_loop, tmp_path):
    # Ports test-http2-respond-file-push.js: the server answers, ends, and
    # pushes /file.txt, its stream answered by respondWithFD() with
    # content-type, content-length and last-modified; the client's pushed
    # stream gets those in 'push' and reads the file.
    from email.utils import formatdate
    path = _elipses(tmp_path)
    data = path.read_bytes()
    modified = formatdate(os.stat(path).st_mtime, usegmt=True)
    fd = os.open(path, os.O_RDONLY)
    server = http2.createServer()
    errors = []

    def on_stream(stream, *_):
        stream.respond({})
        stream.end()

        def pushed(err, push, *_):
            errors.append(err)
            push.respondWithFD(fd, {'content-type': 'text/plain', 'content-length': len(data),
                                    'last-modified': modified})
        stream.pushStream({':path': '/file.txt', ':method': 'GET'}, pushed)
        stream.end()
    server.on('stream', on_stream)
    server.on('close', lambda: os.close(fd))
    seen = {}
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    maybe_close = countdown(2, lambda: (server.close(), client.close()))
    req = client.request({})
    req.on('response', lambda *_: seen.setdefault('response', True))

    def on_push_stream(stream, headers, *_):
        stream.on('push', lambda headers, *_: seen.update(
            type=headers['content-type'], length=int(headers['content-length']),
            modified=headers['last-modified']))
        body = []
        stream.on('data', body.append)
        stream.on('end', lambda: (seen.update(body=b''.join(body)), maybe_close()))
    client.on('stream', on_push_stream)
    req.resume()
    req.on('end', maybe_close)
    req.end()
    run_loop(10)
    assert errors == [None]
    assert seen == {'response': True, 'type': 'text/plain', 'length': len(data),
                    'modified': modified, 'body': data}


def test_server_options_of_the_wrong_type(run_loop):
    # Ports test-http2-createserver-options.js and
    # test-http2-createsecureserver-options.js (Node's null and Symbol left out:
    # None is no options): options that are no object, and settings that
    # are none (a function included), are ERR_INVALID_ARG_TYPE; a
    # maxSessionInvalidFrames or maxSessionRejectedStreams of -1 or -inf
    # is ERR_OUT_OF_RANGE. createSecureServer() takes no handler first.
    from support import assert_code
    for create, bad in ((http2.createServer, (1, True, 'test')),
                        (http2.createSecureServer, (lambda: None, 1, 'test'))):
        for value in bad:
            error = assert_code('ERR_INVALID_ARG_TYPE', lambda: create(value), TypeError)
            assert str(error).startswith('The "options" argument must be of type object.')
        for value in (1, True, 'test', lambda: None):
            error = assert_code('ERR_INVALID_ARG_TYPE', lambda: create({'settings': value}),
                                TypeError)
            assert str(error).startswith(
                'The "options.settings" property must be of type object.')
        for name in ('maxSessionInvalidFrames', 'maxSessionRejectedStreams'):
            for value in (-1, float('-inf')):
                assert_code('ERR_OUT_OF_RANGE', lambda: create({name: value}), ValueError)


def test_an_altsvc_frame_past_the_frame_size_crashes_nothing(run_loop):
    # Ports test-http2-malformed-altsvc.js: a raw client's SETTINGS, ACK,
    # then an ALTSVC frame of 2**14 + 1 bytes (past the frame size): no
    # 'stream', nothing crashes, the client's socket closes.
    from http2_support import PREFACE, frame, settings
    seen = []
    server = http2.createServer()
    server.on('stream', lambda *_: seen.append('stream'))
    port = listen(run_loop, server)
    raw = []

    def on_connect():
        sock = raw[0]
        sock.write(PREFACE, lambda *_: sock.write(settings(), lambda *_: (
            sock.write(frame(4, 1, 0)),
            sock.write(frame(0x0a, 0, 0, bytes((1 << 14) + 1)),
                       lambda *_: (seen.append('written'), sock.destroy())))))
    raw.append(net.connect(port, '127.0.0.1', on_connect))
    raw[0].on('error', lambda _error: None)
    raw[0].on('close', lambda *_: (seen.append('close'), server.close()))
    raw[0].resume()
    run_loop(10)
    assert seen == ['written', 'close']


def test_an_allow_http1_server_closes_at_once_past_an_idle_keep_alive(run_loop, tls_certs):
    # Ports test-http2-allow-http1.js: an allowHTTP1 server answers an
    # https.get() with connection: keep-alive; once the response came,
    # server.close()'s callback (no error) and 'close' come before the
    # next setImmediate: the idle HTTP/1.1 connection holds nothing open.
    from pyuvnet import https
    seen = []
    server = http2.createSecureServer({'key': tls_certs.key, 'cert': tls_certs.cert,
                                       'allowHTTP1': True})
    server.on('request', lambda req, res: (res.writeHead(200), res.end()))
    server.on('close', lambda: seen.append('close'))

    def on_response(res):
        res.resume()
        net.setImmediate(lambda: seen.append('immediate'))
        server.close(lambda *args: seen.append(('closed', args)))
    server.listen(0, lambda *_: https.get(
        'https://localhost:%d' % server.address()['port'],
        {'rejectUnauthorized': False, 'headers': {'connection': 'keep-alive'}}, on_response))
    run_loop(10)
    assert seen[-1] == 'immediate' and ('closed', ()) in seen and 'close' in seen


def _flood_of_invalid_requests(run_loop, schedule):
    """A raw client, once SETTINGS are exchanged, sends requests whose
    head is a :status (invalid), nine at a time, the next nine when
    ``schedule(write)`` calls back, to a server of maxSessionInvalidFrames
    100, until the server ends the connection (or 100,000 were sent).
    Gives back (whether it ended, how many were written)."""
    from http2_support import PREFACE, frame
    server = http2.createServer({'maxSessionInvalidFrames': 100})

    def on_stream(stream, *_):
        stream.respond({'content-type': 'text/plain', ':status': 200})
        stream.end(b'Hello, world!\n')
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    state = {'stream': 1, 'ended': False, 'acked': False, 'count': 0}
    conn = net.connect({'port': port, 'host': '127.0.0.1', 'allowHalfOpen': True})
    conn.write(PREFACE + frame(4, 0, 0))

    def write_requests():
        for _ in range(9):
            if state['ended']:
                return
            ok = conn.write(frame(1, 0x5, state['stream'], b'\x88'))
            state['stream'] += 2
            if not ok:
                break
            state['count'] += 1
        if not state['ended'] and state['count'] < 100000:
            schedule(write_requests)

    def on_data(_chunk):
        if not state['acked']:
            state['acked'] = True
            conn.write(frame(4, 1, 0))
            write_requests()
    conn.on('data', on_data)

    def ended(*_):
        if not state['ended']:
            state['ended'] = True
            conn.destroy()
            server.close()
    conn.on('error', ended)
    conn.on('end', ended)
    run_loop(20)
    return state['ended'], state['count']


def test_invalid_frames_past_max_session_invalid_frames_end_the_session(run_loop):
    # Ports test-http2-max-invalid-frames.js: nine invalid requests per
    # 10 ms: the server ends the connection within about 100 of them
    # (Node's bound: +-100).
    ended, count = _flood_of_invalid_requests(run_loop, lambda write: net.setTimeout(write, 10))
    assert ended and abs(count - 100) < 100, count


def test_a_flood_of_invalid_requests_ends_the_session(run_loop):
    # Ports test-http2-reset-flood.js (one process: pyuvnet's loop runs
    # both ends): nine invalid requests per turn (setImmediate): the
    # server ends the connection.
    ended, count = _flood_of_invalid_requests(run_loop, net.setImmediate)
    assert ended and count < 100000
