"""More of Node 20's test/parallel/test-http2-*.js, rewritten for pyuvnet:
sessions and streams; each test names the Node test it ports (the servers' are in
test_http2_node_ports_servers.py). Both ends are pyuvnet's."""
import os

import pyuvnet as net
from pyuvnet import http2, stream
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
    # Ports test-http2-session-unref.js: the server's sessions unref'd, a
    # client unref'd at once, one destroyed then unref'd at 'connect', and
    # one over a duplexPair() side (its other side emitted as the server's
    # 'connection'), destroyed then unref'd at once: once the server is
    # unref'd too, nothing keeps the loop running (the run returns), the
    # server saw three sessions and nothing raised.
    server = http2.createServer()
    sessions = []
    client_side, server_side = stream.duplexPair()

    def on_session(session):
        sessions.append(session)
        session.unref()
    server.on('session', on_session)
    port = listen(run_loop, server)
    first = http2.connect('http://localhost:%d' % port)
    first.unref()
    second = http2.connect('http://localhost:%d' % port)
    second.on('connect', lambda *_: (second.destroy(), second.unref()))
    third = http2.connect('http://localhost:%d' % port, createConnection=lambda *_: client_side)
    third.destroy()
    third.unref()
    server.emit('connection', server_side)
    server.unref()
    run_loop(10)
    assert len(sessions) == 3 and second.destroyed and third.destroyed
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
