"""Http2Session.setLocalWindowSize(), http2.performServerHandshake(),
originSet, and the session limits maxSessionInvalidFrames and
maxSessionRejectedStreams. Each was pinned under Node 20 first: the errors
with Node's messages, and the limits with a raw-frame peer sending the same
bytes to Node's server (the frames and events Node gave are asserted here)."""
import time

import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import (END_HEADERS, END_STREAM, HEADERS, PING, PREFACE, RawPeer, frame,
                           goaway_code, listen, parse_frames, rst_codes, run_exchange,
                           serve_until, settings)
from support import assert_code
from h2_conformance_support import request

INTERNAL_ERROR, ENHANCE_YOUR_CALM = 2, 11
FENCE = frame(PING, 0, 0, b'12345678')


def connected(run_loop, check):
    """``check(client)`` once a client session to an h2c server is up."""
    server = http2.createServer()
    server.on('stream', lambda *args: pytest.fail('no request is made'))

    def client(session, done):
        def on_connect(*_):
            try:
                check(session)
            finally:
                done()
        session.on('connect', on_connect)
    run_exchange(run_loop, server, client)


# -- setLocalWindowSize ----------------------------------------------------

def test_set_local_window_size_refuses_what_node_refuses(run_loop):
    # Ports the first part of test-http2-client-setLocalWindowSize.js.
    errors = []

    def check(client):
        for value in (2 ** 32, -1, 1.5, True, None, 'a', {}, [], lambda: 0):
            with pytest.raises(Exception) as raised:
                client.setLocalWindowSize(value)
            errors.append((raised.value.code, str(raised.value)))
    connected(run_loop, check)
    assert errors[:3] == [
        ('ERR_OUT_OF_RANGE', 'The value of "windowSize" is out of range. '
         'It must be >= 0 && <= 2147483647. Received 4294967296'),
        ('ERR_OUT_OF_RANGE', 'The value of "windowSize" is out of range. '
         'It must be >= 0 && <= 2147483647. Received -1'),
        ('ERR_OUT_OF_RANGE', 'The value of "windowSize" is out of range. '
         'It must be an integer. Received 1.5')]
    assert [code for code, _ in errors[3:]] == ['ERR_INVALID_ARG_TYPE'] * 6
    assert errors[3][1].startswith('The "windowSize" argument must be of type number.')


def test_a_larger_local_window_is_the_sessions_window(run_loop):
    # Ports the second part of test-http2-client-setLocalWindowSize.js.
    seen = {}

    def check(client):
        client.setLocalWindowSize(2 ** 20)
        state = client.state
        seen.update(effective=state.effectiveLocalWindowSize, local=state.localWindowSize,
                    remote=state.remoteWindowSize)
    connected(run_loop, check)
    assert seen == {'effective': 2 ** 20, 'local': 2 ** 20,
                    'remote': http2.getDefaultSettings().initialWindowSize}


def test_a_smaller_local_window_is_only_the_effective_one(run_loop):
    # Ports the third part of test-http2-client-setLocalWindowSize.js.
    seen = {}

    def check(client):
        client.setLocalWindowSize(20)
        state = client.state
        seen.update(effective=state.effectiveLocalWindowSize, local=state.localWindowSize)
    connected(run_loop, check)
    assert seen == {'effective': 20, 'local': 65535}


def test_a_larger_window_is_announced_with_a_window_update(run_loop):
    # Node 20 (pinned with a raw peer): the server's setLocalWindowSize()
    # sends a WINDOW_UPDATE on stream 0 of the difference.
    server = http2.createServer()
    server.on('session', lambda session: session.setLocalWindowSize(65535 + 1000))
    peer = RawPeer(listen(run_loop, server), [PREFACE + settings()], timeout=1)
    serve_until(run_loop, server, peer)
    updates = [(stream, int.from_bytes(payload, 'big'))
               for kind, _f, stream, payload in peer.frames() if kind == 8]
    assert updates == [(0, 1000)]


def test_set_local_window_size_on_a_destroyed_session_throws(run_loop):
    seen = []

    def check(client):
        client.destroy()
        with pytest.raises(http2.ERR_HTTP2_INVALID_SESSION):
            client.setLocalWindowSize(100)
        seen.append('raised')
    connected(run_loop, check)
    assert seen == ['raised']


# -- performServerHandshake --------------------------------------------------

def test_perform_server_handshake_serves_a_socket_accepted_elsewhere(run_loop):
    # Ports test-http2-perform-server-handshake.js, with a net.Server's
    # socket for the duplex pair: the session answers, and a second
    # handshake on the same socket is ERR_HTTP2_SOCKET_BOUND.
    seen = {}

    def on_connection(socket):
        session = http2.performServerHandshake(socket)
        seen['type'] = session.type
        try:
            http2.performServerHandshake(socket)
        except http2.ERR_HTTP2_SOCKET_BOUND as error:
            seen['again'] = (error.code, str(error))

        def on_stream(stream, headers, flags, raw):
            seen['path'] = headers[':path']
            stream.respond({':status': 200})
            stream.end('hi!')
        session.on('stream', on_stream)
    server = net.createServer(on_connection)
    port = listen(run_loop, server)
    client = http2.connect('http://127.0.0.1:%d' % port)
    req = client.request({':path': '/test'})
    body = []
    req.on('response', lambda headers, flags, raw: seen.setdefault('status', headers[':status']))
    req.on('data', body.append)
    req.on('end', lambda: (client.close(), server.close()))
    run_loop(10)
    assert seen == {'type': 0, 'again': ('ERR_HTTP2_SOCKET_BOUND',
                                         'The socket is already bound to an Http2Session'),
                    'path': '/test', 'status': 200}
    assert b''.join(body) == b'hi!'


def test_perform_server_handshake_checks_the_session_limits():
    assert_code('ERR_OUT_OF_RANGE',
                lambda: http2.performServerHandshake(object(), {'maxSessionInvalidFrames': -1}))


# -- originSet ----------------------------------------------------------------

def test_origin_set_starts_with_the_server_name_and_adds_origin_frames(run_loop, tls_certs):
    # Node 20 (pinned): a TLS client's originSet is None before it is
    # connected, then 'https://<servername>:<port>'; the origins of an
    # ORIGIN frame follow it, in order and once each; None once destroyed.
    # The server's is its client's SNI name with the client's port.
    seen = {}
    server = http2.createSecureServer({'key': tls_certs.key, 'cert': tls_certs.cert})

    def on_session(session):
        seen['server'] = session.originSet
        session.origin('https://example.org', 'https://localhost:%d' % port,
                       'https://example.com:444')
    server.on('session', on_session)
    server.on('stream', lambda stream, *_: (stream.respond(), stream.end('ok')))
    port = listen(run_loop, server)
    client = http2.connect('https://localhost:%d' % port, {'ca': tls_certs.ca})
    seen['before'] = client.originSet
    client.on('connect', lambda *_: seen.setdefault('connect', client.originSet))
    client.on('origin', lambda origins: seen.setdefault('origin', client.originSet))
    req = client.request()
    req.resume()

    def on_end():
        seen['end'] = client.originSet
        client.close(lambda: (seen.setdefault('closed', client.originSet), server.close()))
    req.on('end', on_end)
    run_loop(10)
    own = 'https://localhost:%d' % port
    assert seen['before'] is None
    assert seen['connect'] == [own]
    assert seen['origin'] == seen['end'] == [own, 'https://example.org', 'https://example.com:444']
    assert seen['closed'] is None
    assert seen['server'][0].startswith('https://localhost:')


def test_origin_set_is_none_without_tls(run_loop):
    seen = []
    connected(run_loop, lambda client: seen.append(client.originSet))
    assert seen == [None]


# -- maxSessionInvalidFrames ---------------------------------------------------

def invalid_frames_peer(run_loop, frames, **options):
    """A raw client sending ``frames`` then a PING to a server with
    ``options``; gives back (the frames it got, the events)."""
    events = []
    server = http2.createServer(options)
    server.on('stream', lambda stream, *_: (
        stream.on('error', lambda error: events.append(('stream', error.code))),
        stream.resume()))
    server.on('sessionError', lambda error, session: events.append(
        ('session', error.code, str(error))))
    peer = RawPeer(listen(run_loop, server), [PREFACE + settings() + frames + FENCE], timeout=1)
    serve_until(run_loop, server, peer)
    return peer.frames(), events


@pytest.mark.parametrize('count, ends', [(3, False), (4, True)])
def test_empty_data_frames_count_as_invalid_frames(run_loop, count, ends):
    # Node 20 (pinned with a raw peer): with maxSessionInvalidFrames 2, the
    # fourth empty DATA frame without END_STREAM ends the session: GOAWAY
    # INTERNAL_ERROR, ERR_HTTP2_TOO_MANY_INVALID_FRAMES on the session and
    # its open stream, and the PING after it unanswered.
    frames, events = invalid_frames_peer(
        run_loop, frame(HEADERS, END_HEADERS, 1, request('POST'))
        + b''.join(frame(0, 0, 1, b'') for _ in range(count)), maxSessionInvalidFrames=2)
    pinged = any(kind == PING and flags == 1 for kind, flags, _s, _p in frames)
    if not ends:
        assert pinged and goaway_code(frames) is None and events == []
        return
    assert goaway_code(frames) == INTERNAL_ERROR and not pinged
    assert ('session', 'ERR_HTTP2_TOO_MANY_INVALID_FRAMES', 'Too many invalid HTTP/2 frames') \
        in events
    assert ('stream', 'ERR_HTTP2_TOO_MANY_INVALID_FRAMES') in events


@pytest.mark.parametrize('count, ends', [(3, False), (4, True)])
def test_malformed_requests_count_as_invalid_frames(run_loop, count, ends):
    # Node 20 (pinned): each request with a connection-specific field is
    # reset with PROTOCOL_ERROR and counts once; with the limit at 2 the
    # fourth ends the session (GOAWAY INTERNAL_ERROR, last stream 7).
    bad = request('GET', extra=[('connection', 'close')])
    frames, events = invalid_frames_peer(
        run_loop, b''.join(frame(HEADERS, END_HEADERS | END_STREAM, 1 + 2 * i, bad)
                           for i in range(count)), maxSessionInvalidFrames=2)
    if not ends:
        assert rst_codes(frames) == [1] * count and goaway_code(frames) is None
        return
    goaway = [payload for kind, _f, _s, payload in frames if kind == 7][0]
    assert (int.from_bytes(goaway[:4], 'big'), int.from_bytes(goaway[4:8], 'big')) == (7, 2)
    assert events == [('session', 'ERR_HTTP2_TOO_MANY_INVALID_FRAMES',
                       'Too many invalid HTTP/2 frames')]


def test_a_client_counts_invalid_frames_too(run_loop):
    # Ports test-http2-empty-frame-without-eof.js: a server answering
    # with empty DATA frames; a client with maxSessionInvalidFrames 0 gets
    # ERR_HTTP2_TOO_MANY_INVALID_FRAMES on the stream and the session, one
    # with 2 reads the response to its end.
    response = (settings() + frame(4, 1, 0) + frame(HEADERS, END_HEADERS, 1, b'\x88')
                + frame(0, 0, 1, b'') * 2 + frame(0, END_STREAM, 1, b''))
    seen = {0: [], 2: []}

    def on_connection(socket):
        socket.once('data', lambda data: socket.end(response))
    server = net.createServer(on_connection)
    port = listen(run_loop, server)
    left = [2]
    for limit in (0, 2):
        client = http2.connect('http://127.0.0.1:%d' % port, {'maxSessionInvalidFrames': limit})
        req = client.request()
        req.on('error', lambda error, limit=limit: seen[limit].append(('stream', error.code)))
        client.on('error', lambda error, limit=limit: seen[limit].append(('session', error.code)))
        req.on('end', lambda limit=limit: seen[limit].append('end'))
        req.resume()

        def on_close(client=client):
            client.close()
            left[0] -= 1
            if not left[0]:
                server.close()
        req.on('close', on_close)
    run_loop(10)
    assert sorted(seen[0]) == [('session', 'ERR_HTTP2_TOO_MANY_INVALID_FRAMES'),
                               ('stream', 'ERR_HTTP2_TOO_MANY_INVALID_FRAMES')]
    assert seen[2] == ['end']


# -- maxSessionRejectedStreams ----------------------------------------------------

def test_too_many_rejected_streams_end_the_session(run_loop):
    # Node 20 (pinned: maxSessionMemory 1, 256 KiB written per stream, the
    # peer's window 0, maxSessionRejectedStreams 2): streams 1-7 are
    # answered, 9, 11 and 13 are refused with ENHANCE_YOUR_CALM, and the
    # fourth refusal (stream 15) ends the session with GOAWAY
    # INTERNAL_ERROR (last stream 15) and ERR_HTTP2_ERROR "The user callback
    # function failed".
    events = []
    server = http2.createServer({'maxSessionMemory': 1, 'maxSessionRejectedStreams': 2})

    def on_stream(stream, *_):
        stream.on('error', lambda error: None)
        stream.respond()
        stream.write(bytes(256 * 1024))
    server.on('stream', on_stream)
    server.on('sessionError', lambda error, session: events.append((error.code, str(error))))
    def requests(first, count):
        return b''.join(frame(HEADERS, END_HEADERS | END_STREAM, 1 + 2 * i, request())
                        for i in range(first, first + count))
    # The first four apart, so that they are answered before the others come
    # (Node answers between the frames of one read, pyuvnet after the read).
    peer = RawPeer(listen(run_loop, server),
                   [PREFACE + settings(initial_window_size=0) + requests(0, 4),
                    lambda sock: time.sleep(0.3), requests(4, 6) + FENCE], timeout=1)
    serve_until(run_loop, server, peer)
    got = parse_frames(peer.received)
    refused = [stream for kind, _f, stream, payload in got
               if kind == 3 and int.from_bytes(payload, 'big') == ENHANCE_YOUR_CALM]
    answered = [stream for kind, _f, stream, _p in got if kind == HEADERS]
    goaway = [payload for kind, _f, _s, payload in got if kind == 7][0]
    assert answered == [1, 3, 5, 7] and refused == [9, 11, 13]
    assert (int.from_bytes(goaway[:4], 'big'), int.from_bytes(goaway[4:8], 'big')) == (15, 2)
    assert events == [('ERR_HTTP2_ERROR', 'The user callback function failed')]


def test_a_reset_streams_queued_data_leaves_the_sessions_memory(run_loop):
    # As the test above, four streams fill maxSessionMemory with data the
    # peer's window 0 holds; once the peer resets them, what they queued no
    # longer counts: its next stream is answered, not refused.
    server = http2.createServer({'maxSessionMemory': 1})

    def on_stream(stream, *_):
        stream.on('error', lambda error: None)
        stream.respond()
        stream.write(bytes(256 * 1024))
    server.on('stream', on_stream)
    resets = b''.join(frame(3, 0, 1 + 2 * i, (8).to_bytes(4, 'big')) for i in range(4))
    peer = RawPeer(listen(run_loop, server),
                   [PREFACE + settings(initial_window_size=0) + b''.join(
                       frame(HEADERS, END_HEADERS | END_STREAM, 1 + 2 * i, request())
                       for i in range(4)),
                    lambda sock: time.sleep(0.3),
                    resets + frame(HEADERS, END_HEADERS | END_STREAM, 9, request()) + FENCE],
                   timeout=1)
    serve_until(run_loop, server, peer)
    got = parse_frames(peer.received)
    answered = [stream for kind, _f, stream, _p in got if kind == HEADERS]
    refused = [stream for kind, _f, stream, payload in got
               if kind == 3 and int.from_bytes(payload, 'big') == ENHANCE_YOUR_CALM]
    assert answered == [1, 3, 5, 7, 9] and refused == []


@pytest.mark.parametrize('name', ['maxSessionInvalidFrames', 'maxSessionRejectedStreams'])
@pytest.mark.parametrize('value, code, message', [
    ('a', 'ERR_INVALID_ARG_TYPE', 'The "{}" argument must be of type number. '
     "Received type str ('a')"),
    (-1, 'ERR_OUT_OF_RANGE', 'The value of "{}" is out of range. '
     'It must be >= 0 && <= 4294967295. Received -1'),
    (1.5, 'ERR_OUT_OF_RANGE', 'The value of "{}" is out of range. '
     'It must be an integer. Received 1.5'),
    (2 ** 32, 'ERR_OUT_OF_RANGE', 'The value of "{}" is out of range. '
     'It must be >= 0 && <= 4294967295. Received 4294967296'),
])
def test_a_servers_session_limits_are_checked_as_node_checks_them(run_loop, name, value, code,
                                                                  message):
    # Node 20: createServer() checks both as uint32; connect() takes them
    # as given.
    error = assert_code(code, lambda: http2.createServer({name: value}))
    assert str(error) == message.format(name)
    http2.connect('http://127.0.0.1:9', {name: value}).destroy()
    run_loop()
