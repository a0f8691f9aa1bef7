"""stream.priority() and the 'priority' event: Node 20 checks the options,
gives back nothing and, unless ``silent``, sends a PRIORITY frame (RFC
7540's, which RFC 9113 deprecates); a PRIORITY received is the stream's
'priority'(id, parent, weight, exclusive), or the session's for a stream not
open. Pinned under Node 20 with the same calls and bytes (codes and messages
but for Python's type names)."""
import json

import pytest

from pyuvnet import http2, setImmediate
from http2_support import (GET_BLOCK, HEADERS, END_HEADERS, END_STREAM, PREFACE, RawPeer, frame,
                           listen, run_exchange, run_node_client, serve_until, settings)
from support import NODE, node  # noqa: F401 (the fixture)


@pytest.mark.parametrize('options, code, message', [
    ({'weight': 'x'}, 'ERR_INVALID_ARG_TYPE', 'The "options.weight" property must be of type number'),
    ({'parent': -1}, 'ERR_OUT_OF_RANGE', 'The value of "options.parent" is out of range. It must be >= 0'),
    ({'exclusive': 1}, 'ERR_INVALID_ARG_TYPE', 'The "options.exclusive" property must be of type boolean'),
    ({'silent': 'y'}, 'ERR_INVALID_ARG_TYPE', 'The "options.silent" property must be of type boolean'),
    (5, 'ERR_INVALID_ARG_TYPE', 'The "options" argument must be of type object'),
    (None, 'ERR_INVALID_ARG_TYPE', 'The "options" argument must be of type object'),
])
def test_bad_priority_options_raise_nodes_errors(run_loop, options, code, message):
    seen = {}

    def on_stream(stream, headers, flags, raw):
        with pytest.raises(Exception) as info:
            stream.priority(options)
        seen['error'] = (info.value.code, str(info.value))
        seen['ok'] = stream.priority({'weight': 300, 'parent': 0, 'exclusive': True,
                                      'silent': True})
        stream.on('close', lambda: seen.setdefault('after_close', closed_error(stream)))
        stream.respond()
        stream.end()

    def closed_error(stream):
        with pytest.raises(Exception) as info:
            stream.priority({})
        return info.value.code

    server = http2.createServer()
    server.on('stream', on_stream)
    session = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    req = session.request()
    req.resume()
    req.on('close', lambda: (session.close(), server.close()))
    req.end()
    run_loop(10)
    assert seen['error'][0] == code and seen['error'][1].startswith(message)
    assert seen['ok'] is None
    assert seen['after_close'] == 'ERR_HTTP2_INVALID_STREAM'


def priority_frame(stream_id, parent, weight, exclusive=False):
    return frame(2, 0, stream_id, ((parent | (0x80000000 if exclusive else 0)).to_bytes(4, 'big')
                                   + bytes([weight - 1])))


def test_priority_frames_are_the_streams_event_or_the_sessions(run_loop):
    # Node 20 with the same bytes: [1, 0, 42, false] on the session (the
    # PRIORITY came before the stream's HEADERS), then [1, 0, 7, true] and
    # [1, 3, 256, false] on the stream; one for stream 9 (never opened) on
    # the session.
    seen = []
    server = http2.createServer()
    server.on('session', lambda session: session.on(
        'priority', lambda *a: seen.append(('session',) + a)))

    def on_stream(stream, headers, flags, raw):
        stream.on('priority', lambda *a: seen.append(('stream',) + a))
        stream.on('end', lambda: (stream.respond(), stream.end()))
        stream.resume()
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    peer = RawPeer(port, [
        PREFACE + settings() + priority_frame(1, 0, 42) + frame(HEADERS, END_HEADERS, 1, GET_BLOCK),
        priority_frame(1, 0, 7, True),
        # Split across reads, inside the frame's header and its payload.
        priority_frame(1, 3, 256)[:4], priority_frame(1, 3, 256)[4:11], priority_frame(1, 3, 256)[11:],
        priority_frame(9, 1, 1) + frame(0, END_STREAM, 1)], timeout=2)
    serve_until(run_loop, server, peer)
    assert seen == [('session', 1, 0, 42, False), ('stream', 1, 0, 7, True),
                    ('stream', 1, 3, 256, False), ('session', 9, 1, 1, False)]


def test_a_clients_priority_reaches_the_server(run_loop):
    # As Node 20's client (run under Node: the same calls): a priority
    # given before the request left goes before its HEADERS, as nghttp2
    # queues PRIORITY ahead of new streams, so the server hears it as the
    # session's, which is the server's 'priority'.
    seen = []
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.respond()
        stream.end()
    server.on('stream', on_stream)
    server.on('priority', lambda *a: seen.append(a))

    def client(session, done):
        req = session.request()
        # Before the stream has its id: sent once it has.
        req.priority({'weight': 42, 'parent': 0, 'exclusive': True})
        req.on('ready', lambda: (req.priority({'weight': 300}), req.priority({'weight': 0}),
                                 req.priority({'weight': 5, 'silent': True})))
        req.resume()
        req.on('end', done)
    run_exchange(run_loop, server, client)
    # Weights outside 1-256 are nghttp2's nearest; a silent one sends nothing.
    assert seen == [(1, 0, 42, True), (1, 0, 256, False), (1, 0, 1, False)]


NODE_PRIORITY_SERVER = r"""
const http2 = require('http2');
const server = http2.createServer();
server.on('stream', (stream) => {
  stream.on('priority', (...args) => {
    stream.respond();
    stream.end(JSON.stringify(args));
  });
});
server.listen(0, () => console.log(server.address().port));
"""


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_node_20s_server_reads_pyuvnets_priority_frame(run_loop, node):
    peer = node(NODE_PRIORITY_SERVER)
    port = int(peer.readline())
    session = http2.connect('http://127.0.0.1:%d' % port)
    req = session.request()
    body = []
    req.on('response', lambda *_: None)
    # Once the request has left (a PING's round trip after it): the
    # PRIORITY is then its stream's.
    req.on('ready', lambda: session.ping(
        lambda *_: req.priority({'weight': 42, 'parent': 0, 'exclusive': True})))
    req.on('data', body.append)
    req.on('end', session.close)
    run_loop(10)
    assert json.loads(b''.join(body)) == [1, 0, 42, True]


NODE_PRIORITY_CLIENT = r"""
const http2 = require('http2');
const session = http2.connect(process.argv[1]);
const req = session.request({':path': '/'});
req.on('response', () => setTimeout(() => req.priority({weight: 42, parent: 0, exclusive: true}), 50));
let body = '';
req.on('data', (d) => { body += d; });
req.on('end', () => { console.log(body); session.close(); });
"""


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_node_20s_clients_priority_is_the_streams_event(run_loop):
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.respond()
        stream.on('priority', lambda *a: stream.end(json.dumps(a)))
    server.on('stream', on_stream)
    code, out, err = run_node_client(run_loop, server, NODE_PRIORITY_CLIENT)
    assert code == 0, err
    assert json.loads(out) == [1, 0, 42, True]


def test_priorities_that_make_a_cycle_are_each_the_sessions_event(run_loop):
    # Ports test-http2-priority-cycle-.js: three requests made each
    # other's parents (1 on 5, 3 on 1, 5 on 3) with priority(): the
    # server's session gets each 'priority' (weight 16, not exclusive)
    # and all three are answered with 10 kB sent a tick later.
    seen = []
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.respond()
        setImmediate(lambda: stream.end(bytes(10000)))
    server.on('stream', on_stream)
    server.on('session', lambda session: session.on(
        'priority', lambda *args: seen.append(args)))
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))
    closed = []
    for parent in (5, 1, 3):
        req = client.request()
        req.priority({'parent': parent})
        req.resume()
        req.on('close', lambda: closed.append(1) if len(closed) < 2 else (
            client.close(), server.close()))
    run_loop(10)
    assert sorted(seen) == [(1, 5, 16, False), (3, 1, 16, False), (5, 3, 16, False)]
