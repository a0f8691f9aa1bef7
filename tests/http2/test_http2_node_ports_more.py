"""More of Node 20's test/parallel/test-http2-*.js, rewritten for pyuvnet:
each test names the Node test it ports. Both ends are pyuvnet's."""
import os

import pyuvnet as net
from pyuvnet import http2
from http2_support import countdown, exchange, listen, run_exchange


def test_session_ping_event_and_callback_on_both_ends(run_loop):
    # Ports test-http2-onping.js: each end pings the other with the same
    # 8 bytes; each gets 'ping' with them, each ping's callback is called.
    check = bytes([1, 2, 3, 4, 5, 6, 7, 8])
    seen = []
    server = http2.createServer()

    def on_stream(stream, *_):
        stream.respond()
        stream.end(b'ok')
    server.on('stream', on_stream)

    def on_session(session):
        session.on('ping', lambda payload: seen.append(('server ping', payload)))
        session.ping(check, lambda err, *_: seen.append(('server acked', err)))
    server.on('session', on_session)

    def client(session, done):
        session.on('ping', lambda payload: seen.append(('client ping', payload)))
        session.on('connect', lambda *_: session.ping(
            check, lambda err, *_: seen.append(('client acked', err))))
        req = session.request()
        req.resume()
        req.on('close', done)
    run_exchange(run_loop, server, client)
    assert sorted(seen, key=str) == sorted([('server ping', check), ('server acked', None),
                                            ('client ping', check), ('client acked', None)],
                                           key=str)


def test_unref_sessions_keep_no_loop_alive(run_loop):
    # Ports test-http2-session-unref.js (its first two clients; the third
    # is a JS duplex pair as the socket, docs/HTTP2.md): the server's
    # sessions unref'd, a client unref'd at once and one destroyed then
    # unref'd at 'connect': once the server is unref'd too, nothing keeps
    # the loop running (the run returns) and nothing crashed.
    server = http2.createServer()
    sessions = []
    clients = []

    def on_session(session):
        sessions.append(session)
        session.unref()
        if len(sessions) == 2:
            server.unref()
    server.on('session', on_session)
    port = listen(run_loop, server)
    first = http2.connect('http://localhost:%d' % port)
    first.unref()
    second = http2.connect('http://localhost:%d' % port)
    second.on('connect', lambda *_: (second.destroy(), second.unref()))
    clients += [first, second]
    run_loop(10)
    assert len(sessions) == 2 and second.destroyed
    # (Reaped: the loop let them be.)
    first.destroy()
    for session in sessions:
        session.destroy()
    server.close()
    run_loop()


def test_stream_listeners_can_change_after_the_session_is_destroyed(run_loop):
    # Ports test-http2-stream-removelisteners-after-close.js: a request
    # whose session is destroyed at once gets 'error' and 'close', never
    # 'priority'; at 'close' its listeners can be removed and added.
    server = http2.createServer(lambda req, res: res.end('Hi!\n'))
    seen = []
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    req = client.request({':path': '/'})

    def on_close():
        req.removeAllListeners()
        req.on('priority', lambda *_: seen.append('priority'))
        seen.append('close')
        server.close()
    req.on('close', on_close)
    req.on('priority', lambda *_: seen.append('priority'))
    req.on('error', lambda error: seen.append('error'))
    client.destroy()
    run_loop()
    assert seen == ['error', 'close']


def test_a_request_leaves_no_connect_listener_behind(run_loop):
    # Ports test-http2-request-remove-connect-listener.js: a request made
    # before the connection adds no 'connect' listener that stays; the
    # client's own once('connect') is called.
    seen = []

    def on_stream(stream, *_):
        stream.respond()
        stream.end()

    def client(session, done):
        req = session.request()
        session.once('connect', lambda *_: seen.append('connect'))
        req.on('response', lambda *_: seen.append(session.listenerCount('connect')))
        req.resume()
        req.on('close', done)
    exchange(run_loop, on_stream, client)
    assert seen == ['connect', 0]


def test_a_server_writes_whatever_the_clients_window(run_loop):
    # Ports test-http2-window-size.js: the server writes four buffers (of
    # 16 and of 255 bytes, one per turn, waiting for 'drain' when told
    # to); the client, its initialWindowSize 16, 255, 256, 2**17 or the
    # default, reads them all, in order.
    for size in (1 << 4, (1 << 8) - 1):
        buffers = [bytes([value]) * size for value in range(4)]
        for window in (1 << 4, (1 << 8) - 1, 1 << 8, 1 << 17, None):
            server = http2.createServer()

            def on_stream(stream, *_, buffers=buffers):
                left = list(buffers)

                def write_next():
                    if not left:
                        stream.end()
                        return
                    if stream.write(left.pop(0)):
                        net.setImmediate(write_next)
                    else:
                        stream.once('drain', write_next)
                write_next()
            server.on('stream', on_stream)
            port = listen(run_loop, server)
            settings = {} if window is None else {'initialWindowSize': window}
            client = http2.connect({'authority': 'localhost', 'protocol': 'http:', 'port': port},
                                   {'settings': settings})
            got = []

            def on_connect(*_):
                req = client.request({':method': 'GET', ':path': '/'})
                req.on('data', got.append)
                req.on('end', lambda: (client.close(), server.close()))
                req.end()
            client.on('connect', on_connect)
            run_loop(10)
            assert b''.join(got) == b''.join(buffers), (size, window)


def test_many_requests_for_a_large_body_all_complete(run_loop):
    # Ports test-http2-large-write-multiple-requests.js: a server with
    # maxSessionMemory 1000 answers 100 requests on one session with the
    # same large body (a generated 100 KiB for Node's JPEG); each request
    # reads it whole.
    content = os.urandom(100 * 1024)
    server = http2.createServer({'maxSessionMemory': 1000})

    def on_stream(stream, *_):
        stream.respond({'content-type': 'image/jpeg', ':status': 200})
        stream.end(content)
    server.on('stream', on_stream)
    bodies = []

    def client(session, done):
        finished = countdown(100, done)
        for _ in range(100):
            req = session.request({':path': '/'})
            req.end()
            chunks = []
            req.on('data', chunks.append)
            req.on('end', lambda chunks=chunks: (bodies.append(b''.join(chunks)), finished()))
    run_exchange(run_loop, server, client)
    assert len(bodies) == 100 and all(body == content for body in bodies)


def test_a_compat_response_counts_its_corks(run_loop):
    # Ports test-http2-res-corked.js: res.writableCorked follows cork()
    # and uncork() (0 to 4 and back); the client gets the body in two
    # 'data' (the first write, then the four corked ones at once).
    corks = []

    def on_request(req, res):
        corks.append(res.writableCorked)
        res.write(b'1' * 1024)
        for _ in range(4):
            res.cork()
            corks.append(res.writableCorked)
            res.write(b'1' * 1024)
        for _ in range(4):
            res.uncork()
            corks.append(res.writableCorked)
        res.end()
    server = http2.createServer(on_request)
    data = []

    def client(session, done):
        req = session.request()
        req.on('data', data.append)
        req.on('end', done)
    run_exchange(run_loop, server, client)
    assert corks == [0, 1, 2, 3, 4, 3, 2, 1, 0]
    assert len(data) == 2 and sum(map(len, data)) == 5 * 1024


def test_priority_frames_are_priority_events_on_both_ends(run_loop):
    # Ports test-http2-priority-event.js: the server's stream.priority()
    # and the client's req.priority() (parent 0, weight 1, not exclusive)
    # reach the peer as 'priority' (1, 0, 1, False): the server's on the
    # server, the client's on the request.
    seen = []
    server = http2.createServer()

    def on_stream(stream, *_):
        stream.priority({'parent': 0, 'weight': 1, 'exclusive': False})
        stream.respond({'content-type': 'text/html', ':status': 200})
        stream.end(b'hello world')
    server.on('stream', on_stream)
    server.on('priority', lambda *args: seen.append(('server',) + args))

    def client(session, done):
        req = session.request({':path': '/'})
        session.on('connect', lambda *_: req.priority(
            {'parent': 0, 'weight': 1, 'exclusive': False}))
        req.on('priority', lambda *args: seen.append(('request',) + args))
        req.on('response', lambda *_: seen.append('response'))
        req.resume()
        req.on('end', done)
        req.end()
    run_exchange(run_loop, server, client)
    assert sorted(seen, key=str) == sorted([('server', 1, 0, 1, False),
                                            ('request', 1, 0, 1, False), 'response'], key=str)


def test_a_stream_closed_after_its_writes_still_sends_them(run_loop, tls_certs):
    # Ports test-http2-large-write-close.js: over TLS, a response of two
    # 100,000-byte writes, end() and close() at once: the client reads
    # all 200,000 bytes before the request's 'close'.
    content = b'\x44' * 100000
    server = http2.createSecureServer({'key': tls_certs.key, 'cert': tls_certs.cert})

    def on_stream(stream, *_):
        stream.respond({'Content-Type': 'application/octet-stream',
                        'Content-Length': str(len(content) * 2), 'Vary': 'Accept-Encoding'})
        stream.write(content)
        stream.write(content)
        stream.end()
        stream.close()
    server.on('stream', on_stream)
    received = []
    client = http2.connect('https://localhost:%d' % listen(run_loop, server),
                           {'rejectUnauthorized': False})
    req = client.request({':path': '/'})
    req.end()
    req.on('data', lambda data: received.append(len(data)))
    req.on('close', lambda: (received.append('close'), client.close(), server.close()))
    run_loop(10)
    assert received[-1] == 'close' and sum(received[:-1]) == len(content) * 2


def test_update_settings_are_the_next_sessions_settings(run_loop):
    # Ports test-http2-update-settings.js (customSettings is not built,
    # docs/HTTP2.md; the options' symbol read as the next session's
    # SETTINGS): updateSettings() merges into the server's settings;
    # '' is ERR_INVALID_ARG_TYPE, a value of the wrong kind
    # ERR_HTTP2_INVALID_SETTING_VALUE (a RangeError).
    from support import assert_code
    server = http2.createServer({'settings': {'maxFrameSize': 16385}})
    server.updateSettings({'headerTableSize': 1, 'maxConcurrentStreams': 1,
                           'enableConnectProtocol': True})
    error = assert_code('ERR_INVALID_ARG_TYPE', lambda: server.updateSettings(''), TypeError)
    assert str(error).startswith('The "settings" argument must be of type object.')
    error = assert_code('ERR_HTTP2_INVALID_SETTING_VALUE',
                        lambda: server.updateSettings({'maxHeaderListSize': 'foo'}), ValueError)
    assert str(error) == 'Invalid value for setting "maxHeaderListSize": foo'
    seen = {}
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))

    def on_settings(settings):
        seen.update({name: settings[name] for name in (
            'headerTableSize', 'maxConcurrentStreams', 'enableConnectProtocol', 'maxFrameSize')})
        client.close()
        server.close()
    client.once('remoteSettings', on_settings)
    run_loop()
    assert seen == {'headerTableSize': 1, 'maxConcurrentStreams': 1,
                    'enableConnectProtocol': True, 'maxFrameSize': 16385}


def test_closed_streams_are_forgotten_by_a_small_session(run_loop):
    # Ports test-http2-forget-closed-streams.js: a server with
    # maxSessionMemory 1 answers 10,000 POSTs in a row on one session,
    # each at its end with a 200 and endStream; none is refused.
    server = http2.createServer({'maxSessionMemory': 1})

    def on_session(session):
        def on_stream(stream, *_):
            stream.on('end', lambda: stream.respond({':status': 200}, {'endStream': True}))
            stream.resume()
        session.on('stream', on_stream)
    server.on('session', on_session)
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    statuses = []

    def next_request(i):
        if i == 10000:
            client.close()
            server.close()
            return
        stream = client.request({':method': 'POST'})

        def on_response(headers, *_):
            statuses.append(headers[':status'])
            stream.on('close', lambda: next_request(i + 1))
        stream.on('response', on_response)
        stream.end()
    next_request(0)
    run_loop(60)
    assert statuses == [200] * 10000


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


def test_header_names_that_are_no_token_on_both_apis(run_loop):
    # Ports test-http2-invalidheaderfields-client.js: request() with
    # 'no underscore' throws ERR_INVALID_HTTP_TOKEN and the session's
    # 'error' is the same; res.setHeader('x y z') and writeHead() with
    # 'an invalid header' throw it too, and the response still ends.
    from support import assert_code
    seen = []
    server1 = http2.createServer()
    session1 = http2.connect('http://localhost:%d' % listen(run_loop, server1))
    assert_code('ERR_INVALID_HTTP_TOKEN', lambda: session1.request({'no underscore': 123}))
    session1.on('error', lambda error: (seen.append(('session', error.code)), server1.close()))

    def set_header(req, res):
        assert_code('ERR_INVALID_HTTP_TOKEN', lambda: res.setHeader('x y z', 123))
        seen.append('setHeader')
        res.end()

    def write_head(req, res):
        assert_code('ERR_INVALID_HTTP_TOKEN', lambda: res.writeHead(200, {'an invalid header': 123}))
        seen.append('writeHead')
        res.end()
    for handler in (set_header, write_head):
        server = http2.createServer(handler)
        session = http2.connect('http://localhost:%d' % listen(run_loop, server))
        req = session.request()
        req.resume()
        req.on('end', lambda session=session, server=server: (
            seen.append('end'), session.close(), server.close()))
    run_loop(10)
    assert sorted(seen, key=str) == sorted([('session', 'ERR_INVALID_HTTP_TOKEN'), 'setHeader',
                                            'writeHead', 'end', 'end'], key=str)


def test_pushes_past_max_reserved_remote_streams_are_cancelled(run_loop):
    # Ports test-http2-options-max-reserved-streams.js: a client with
    # maxReservedRemoteStreams 1 takes the first of two pushes ('stream'
    # once: 'push', 'end', 'close'); the second push is 'aborted' on the
    # server and closes with rstCode 8, no 'error'.
    seen = []
    server = http2.createServer()
    client = []
    done = countdown(3, lambda: (server.close(), client[0].close()))

    def on_stream(stream, *_):
        def first(err, pushed, *_):
            seen.append(('first', err))
            pushed.respond()
            pushed.end()
            pushed.on('aborted', lambda: seen.append('first aborted'))

        def second(err, pushed, *_):
            seen.append(('second', err))
            pushed.respond()
            pushed.on('aborted', lambda: seen.append('second aborted'))
            pushed.on('error', lambda error: seen.append(('second error', error.code)))
            pushed.on('close', lambda: (seen.append(('second close', pushed.rstCode)), done()))
        stream.pushStream({':path': '/foobar'}, first)
        stream.pushStream({':path': '/foobar'}, second)
        stream.respond()
        stream.end(b'hello world')
    server.on('stream', on_stream)
    client.append(http2.connect('http://localhost:%d' % listen(run_loop, server),
                                {'maxReservedRemoteStreams': 1}))

    def on_push(stream, *_):
        seen.append('client stream')
        stream.resume()
        stream.on('push', lambda *_: seen.append('push'))
        stream.on('end', lambda: seen.append('push end'))
        stream.on('close', done)
    client[0].on('stream', on_push)
    req = client[0].request()
    req.on('response', lambda *_: seen.append('response'))
    req.resume()
    req.on('end', lambda: seen.append('end'))
    req.on('close', done)
    run_loop(10)
    assert sorted(seen, key=str) == sorted(
        [('first', None), ('second', None), 'second aborted', ('second close', 8),
         'client stream', 'push', 'push end', 'response', 'end'], key=str)


def test_priority_before_the_connection(run_loop):
    # Ports test-http2-client-priority-before-connect.js: priority({}) on
    # a request made before the connection: the request still gets its
    # response, 'end' and 'close'.
    seen = []

    def on_stream(stream, *_):
        stream.respond()
        stream.end(b'ok')

    def client(session, done):
        req = session.request()
        req.priority({})
        req.on('response', lambda *_: seen.append('response'))
        req.resume()
        req.on('end', lambda: seen.append('end'))
        req.on('close', done)
    exchange(run_loop, on_stream, client)
    assert seen == ['response', 'end']


def test_an_extended_connect_reaches_the_server(run_loop):
    # Ports test-http2-connect-method-extended.js: a server with
    # enableConnectProtocol; once the client sees it in 'remoteSettings',
    # a CONNECT with :protocol 'foo' carries :scheme http, :path / and the
    # :authority; its stream closes with rstCode 0.
    seen = {}
    server = http2.createServer({'settings': {'enableConnectProtocol': True}})

    def on_stream(stream, headers, *_):
        seen['headers'] = {name: headers[name] for name in (
            ':method', ':scheme', ':protocol', ':authority', ':path')}
        stream.respond()
        stream.end(b'ok')
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    client = http2.connect('http://localhost:%d' % port)

    def on_settings(settings):
        seen['enabled'] = settings['enableConnectProtocol']
        req = client.request({':method': 'CONNECT', ':protocol': 'foo'})
        req.resume()
        req.on('end', lambda: seen.setdefault('end', True))
        req.on('close', lambda: (seen.update(rstCode=req.rstCode), server.close(),
                                 client.close()))
        req.end()
    client.once('remoteSettings', on_settings)
    run_loop(10)
    assert seen == {'enabled': True, 'end': True, 'rstCode': 0,
                    'headers': {':method': 'CONNECT', ':scheme': 'http', ':protocol': 'foo',
                                ':authority': 'localhost:%d' % port, ':path': '/'}}


def test_extended_connect_cannot_be_turned_off(run_loop):
    # Ports test-http2-connect-method-extended-cant-turn-off.js: a server
    # that turns enableConnectProtocol off again is behaving badly: the
    # client's CONNECT with :protocol gets 'error', and no 'stream' comes.
    seen = []
    server = http2.createServer({'settings': {'enableConnectProtocol': True}})
    server.on('stream', lambda *_: seen.append('stream'))
    server.on('session', lambda session: session.settings({'enableConnectProtocol': False}))
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    client.on('error', lambda error: seen.append('session error'))

    def on_settings(settings):
        if not settings['enableConnectProtocol']:
            return
        req = client.request({':method': 'CONNECT', ':protocol': 'foo'})
        req.on('error', lambda error: (seen.append('error'), server.close()))
    client.once('remoteSettings', on_settings)
    run_loop(10)
    assert 'error' in seen and 'stream' not in seen


def test_server_options_of_the_wrong_type(run_loop):
    # Ports test-http2-createserver-options.js and
    # -createsecureserver-options.js (Node's null and Symbol left out:
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


def test_many_requests_before_the_connection_warn_of_no_listeners(run_loop):
    # Ports test-http2-client-request-listeners-warning.js: more requests
    # than EventEmitter.defaultMaxListeners before the client connected:
    # no MaxListenersExceededWarning, every request answered.
    import warnings
    server = http2.createServer()

    def on_stream(stream, *_):
        stream.respond()
        stream.end()
    server.on('stream', on_stream)
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    answered = []
    count = net.EventEmitter().getMaxListeners() + 1     # (Node's defaultMaxListeners, 10)
    done = countdown(count, lambda: (server.close(), client.close()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        for _ in range(count):
            stream = client.request()
            stream.on('response', lambda *_: (answered.append(True), done()))
            stream.end()
        run_loop(10)
    assert len(answered) == count == 11
    assert [str(w.message) for w in caught] == []


def test_settings_past_max_outstanding_settings_end_the_session(run_loop):
    # Ports test-http2-too-many-settings.js: with maxOutstandingSettings 2
    # (the first SETTINGS counts), a session's second settings() is one
    # too many: the session is destroyed at once, its 'error'
    # ERR_HTTP2_MAX_PENDING_SETTINGS_ACK; a server's peer gets
    # ERR_HTTP2_SESSION_ERROR "Session closed with error code 2". The
    # same for a client's own session.
    seen = []

    def too_many(session, who):
        session.on('error', lambda error: seen.append((who, error.code, str(error))))
        for _ in range(2):
            session.settings({'enablePush': False})
            seen.append((who, session.pendingSettingsAck, session.destroyed))
    server = http2.createServer({'maxOutstandingSettings': 2})
    server.on('stream', lambda *_: seen.append('stream'))
    server.once('session', lambda session: too_many(session, 'server'))
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    client.on('error', lambda error: seen.append(('client', error.code, str(error))))
    client.on('close', server.close)
    run_loop(10)
    # (The two ends' errors in either order: each is its own end's.)
    assert seen[:2] == [('server', True, False), ('server', True, True)]
    assert sorted(seen[2:]) == [
        ('client', 'ERR_HTTP2_SESSION_ERROR', 'Session closed with error code 2'),
        ('server', 'ERR_HTTP2_MAX_PENDING_SETTINGS_ACK',
         'Maximum number of pending settings acknowledgements')]
    seen.clear()
    server = http2.createServer()
    server.on('stream', lambda *_: seen.append('stream'))
    client = http2.connect('http://localhost:%d' % listen(run_loop, server),
                           {'maxOutstandingSettings': 2})
    client.on('connect', lambda *_: too_many(client, 'client'))
    client.on('close', server.close)
    run_loop(10)
    assert seen[1:] == [('client', True, True),
                        ('client', 'ERR_HTTP2_MAX_PENDING_SETTINGS_ACK',
                         'Maximum number of pending settings acknowledgements')]
    assert seen[0][::2] == ('client', False)


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


def test_invalid_frames_past_max_session_invalid_frames_end_the_session(run_loop):
    # Ports test-http2-max-invalid-frames.js: a server with
    # maxSessionInvalidFrames 100; a raw client, once SETTINGS are
    # exchanged, sends requests whose head is a :status (invalid), nine
    # per 10 ms: the server ends the connection within about 100 of them
    # (Node's bound: +-100).
    from http2_support import PREFACE, frame
    server = http2.createServer({'maxSessionInvalidFrames': 100})

    def on_stream(stream, *_):
        stream.respond({'content-type': 'text/plain', ':status': 200})
        stream.end(b'Hello, world!\n')
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    state = {'count': 0, 'stream': 1, 'error': False, 'acked': False}
    conn = net.connect({'port': port, 'host': '127.0.0.1', 'allowHalfOpen': True})
    conn.write(PREFACE + frame(4, 0, 0))

    def write_requests():
        for _ in range(9):
            if state['error']:
                return
            ok = conn.write(frame(1, 0x5, state['stream'], b'\x88'))
            state['stream'] += 2
            if not ok:
                break
            state['count'] += 1
        if not state['error']:
            net.setTimeout(write_requests, 10)

    def on_data(_chunk):
        if not state['acked']:
            state['acked'] = True
            conn.write(frame(4, 1, 0))
            write_requests()
    conn.on('data', on_data)

    def on_end_or_error(*_):
        if not state['error']:
            state['error'] = True
            conn.destroy()
            server.close()
    conn.on('error', on_end_or_error)
    conn.on('end', on_end_or_error)
    run_loop(20)
    assert state['error'] and abs(state['count'] - 100) < 100, state['count']


def test_sensitive_headers_reach_the_client_as_never_indexed(run_loop):
    # Ports test-http2-sensitive-headers.js (over a TCP connection for
    # Node's duplex pair): a response listing 'Sensitive' (any case) under
    # sensitiveHeaders; the client's head lists cookie (a short one, never
    # indexed whatever the list) and sensitive under sensitiveHeaders.
    seen = {}
    server = http2.createServer()

    def on_stream(stream, *_):
        stream.respond({'content-type': 'text/html', ':status': 200, 'cookie': 'donotindex',
                        'not-sensitive': 'foo', 'sensitive': 'bar',
                        http2.sensitiveHeaders: ['Sensitive']})
        stream.end(b'<h1>Hello World</h1>')
    server.on('stream', on_stream)

    def client(session, done):
        req = session.request({':path': '/'})
        req.on('response', lambda headers, *_: seen.update(
            status=headers[':status'], cookie=headers['cookie'],
            sensitive=headers[http2.sensitiveHeaders]))
        req.on('end', done)
        req.resume()
        req.end()
    run_exchange(run_loop, server, client)
    assert seen == {'status': 200, 'cookie': 'donotindex', 'sensitive': ['cookie', 'sensitive']}


def test_streams_destroyed_while_read_over_tls(run_loop, tls_certs):
    # Ports test-http2-multistream-destroy-on-read-tls.js: ten requests on
    # one TLS session to a server writing 10 KiB at each 'drain' without
    # end; each request is destroyed at its first 'data'; then the client
    # is destroyed: ten 'stream's, nothing crashes, the loop ends.
    names = 'abcdefghij'
    streams = []
    server = http2.createSecureServer({'key': tls_certs.key, 'cert': tls_certs.cert})

    def on_stream(stream, *_):
        streams.append(stream)
        stream.on('error', lambda _error: None)

        def write():
            stream.write(b'a' * 10240)
            stream.once('drain', write)
        write()
    server.on('stream', on_stream)
    client = http2.connect('https://localhost:%d' % listen(run_loop, server),
                           {'ca': tls_certs.ca})
    destroyed = countdown(len(names), lambda: (client.destroy(), server.close()))
    read = []
    for name in names:
        req = client.request({':path': '/' + name})
        req.once('data', lambda _data, req=req: (read.append(True), req.destroy(), destroyed()))
    run_loop(10)
    assert len(streams) == len(read) == len(names)


def test_a_flood_of_invalid_requests_ends_the_session(run_loop):
    # Ports test-http2-reset-flood.js (one process: pyuvnet's loop runs
    # both ends): a raw client floods a server of maxSessionInvalidFrames
    # 100 with requests whose head is a :status, nine per turn
    # (setImmediate): the server ends the connection.
    from http2_support import PREFACE, frame
    server = http2.createServer({'maxSessionInvalidFrames': 100})

    def on_stream(stream, *_):
        stream.respond({'content-type': 'text/plain', ':status': 200})
        stream.end(b'Hello, world!\n')
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    state = {'stream': 1, 'ended': False, 'acked': False, 'sent': 0}
    conn = net.connect({'port': port, 'host': '127.0.0.1', 'allowHalfOpen': True})
    conn.write(PREFACE + frame(4, 0, 0))

    def write_requests():
        for _ in range(9):
            if state['ended']:
                return
            ok = conn.write(frame(1, 0x5, state['stream'], b'\x88'))
            state['stream'] += 2
            state['sent'] += 1
            if not ok:
                break
        if not state['ended'] and state['sent'] < 100000:
            net.setImmediate(write_requests)

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
    assert state['ended'] and state['sent'] < 100000
