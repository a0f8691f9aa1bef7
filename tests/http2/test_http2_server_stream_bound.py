"""A pyuvnet HTTP/2 server bounds the streams a connection may hold open
by default (issue 70): its sessions advertise SETTINGS_MAX_CONCURRENT_STREAMS
100 unless ``settings`` give one, where Node 20's advertise nothing. Each
answer was pinned against a Node 20 server with ``settings:
{maxConcurrentStreams: 100}`` fed the same bytes: streams over it are refused
with REFUSED_STREAM (before the peer acknowledged it) and the connection
goes on; a Node client queues its requests by the setting. Client sessions
and getDefaultSettings() keep Node's values."""
import time

import pytest

from pyuvnet import http2, setTimeout
from http2_support import (DATA, END_HEADERS, END_STREAM, GET_BLOCK, GOAWAY, HEADERS, PREFACE,
                           RST_STREAM, SETTINGS, RawPeer, frame, listen, run_node_client,
                           serve_until, settings)

REFUSED_STREAM = 7
MAX_CONCURRENT_STREAMS = 3      # the setting's id


def get(stream_id):
    return frame(HEADERS, END_HEADERS | END_STREAM, stream_id, GET_BLOCK)


def hello(stream, headers, flags, raw):
    stream.respond({':status': 200})
    stream.end(b'hello')


def first_settings(frames):
    """{id: value} of the server's first SETTINGS frame."""
    kind, _flags, _stream, payload = frames[0]
    assert kind == SETTINGS
    return {int.from_bytes(payload[i:i + 2], 'big'): int.from_bytes(payload[i + 2:i + 6], 'big')
            for i in range(0, len(payload), 6)}


def open_150_then_one_more(run_loop, server):
    """A peer that never acknowledges the server's SETTINGS opens 150
    streams in one write, then one more once they are answered; gives back
    the frames it read."""
    port = listen(run_loop, server)
    opens = b''.join(get(stream_id) for stream_id in range(1, 301, 2))
    peer = RawPeer(port, [PREFACE + settings() + opens, lambda sock: time.sleep(0.3), get(301)],
                   timeout=1)
    serve_until(run_loop, server, peer)
    return peer.frames()


def answered(frames):
    return sorted({stream for kind, _f, stream, _p in frames if kind == DATA})


def resets(frames):
    return {stream: int.from_bytes(payload[:4], 'big')
            for kind, _f, stream, payload in frames if kind == RST_STREAM}


@pytest.mark.parametrize('api', ['stream', 'compatibility'])
def test_a_default_server_refuses_streams_past_100_and_the_connection_goes_on(run_loop, api):
    # Node 20 with maxConcurrentStreams 100: streams 1-199 answered,
    # 201-299 refused, no GOAWAY; stream 301, opened later, answered.
    if api == 'stream':
        server = http2.createServer()
        server.on('stream', hello)
    else:
        server = http2.createServer(lambda req, res: res.end(b'hello'))
    frames = open_150_then_one_more(run_loop, server)
    assert first_settings(frames)[MAX_CONCURRENT_STREAMS] == 100
    assert answered(frames) == list(range(1, 201, 2)) + [301]
    assert resets(frames) == {stream_id: REFUSED_STREAM for stream_id in range(201, 301, 2)}
    assert GOAWAY not in [kind for kind, *_ in frames]


def test_a_peer_that_keeps_opening_streams_past_100_loses_its_session(run_loop):
    # Node 20 with maxConcurrentStreams 100, 1200 streams in one write,
    # the SETTINGS never acknowledged: 100 answered, 1002 REFUSED_STREAM,
    # then 'sessionError' ERR_HTTP2_TOO_MANY_INVALID_FRAMES (each refusal
    # counts against maxSessionInvalidFrames, 1000).
    # (An open stream is destroyed with the session's error, as in Node.)
    errors = []
    server = http2.createServer()
    server.on('stream', lambda stream, *args: (stream.on('error', lambda error: None),
                                               hello(stream, *args)))
    server.on('sessionError', lambda error, session: errors.append(error.code))
    port = listen(run_loop, server)
    opens = b''.join(get(stream_id) for stream_id in range(1, 2401, 2))
    peer = RawPeer(port, [PREFACE + settings() + opens], timeout=1)
    serve_until(run_loop, server, peer)
    frames = peer.frames()
    assert len(answered(frames)) == 100
    assert list(resets(frames).values()).count(REFUSED_STREAM) == 1002
    assert errors == ['ERR_HTTP2_TOO_MANY_INVALID_FRAMES']


def test_the_explicit_unbounded_setting_serves_every_stream_as_node(run_loop):
    # Node 20's default server (and one given 2**32-1, which it then
    # advertises): all 150 answered, nothing refused.
    server = http2.createServer({'settings': {'maxConcurrentStreams': 2 ** 32 - 1}})
    server.on('stream', hello)
    frames = open_150_then_one_more(run_loop, server)
    assert first_settings(frames)[MAX_CONCURRENT_STREAMS] == 2 ** 32 - 1
    assert answered(frames) == list(range(1, 302, 2))
    assert resets(frames) == {}


NODE_300_AT_ONCE = r"""
const http2 = require('http2');
const client = http2.connect(process.argv[1]);
let ok = 0, closed = 0, max = null;
client.on('remoteSettings', (s) => { max = s.maxConcurrentStreams; });
for (let i = 0; i < 300; i++) {
  const req = client.request({':path': '/'});
  req.on('response', (h) => { if (h[':status'] === 200) ok++; });
  req.on('error', (e) => console.log('error', e.code));
  req.resume();
  req.on('close', () => {
    if (++closed === 300) { console.log(JSON.stringify({ok, max})); client.close(); }
  });
}
"""


def test_a_node_client_sending_300_requests_at_once_gets_300_answers(run_loop):
    # Node 20's client holds the requests over the server's setting until
    # earlier ones close: all 300 answered, at most 100 open at once.
    open_streams, peak = [0], [0]

    def later(stream, headers, flags, raw):
        open_streams[0] += 1
        peak[0] = max(peak[0], open_streams[0])

        def answer():
            open_streams[0] -= 1
            hello(stream, headers, flags, raw)
        # Answered on a later turn, so that the streams pile up.
        setTimeout(answer, 5)
    server = http2.createServer()
    server.on('stream', later)
    code, out, err = run_node_client(run_loop, server, NODE_300_AT_ONCE)
    assert code == 0, err
    assert out.decode().strip() == '{"ok":300,"max":100}'
    assert peak[0] == 100


def test_a_secure_servers_sessions_advertise_100_and_clients_keep_nodes_default(run_loop,
                                                                                tls_certs):
    server = http2.createSecureServer({'key': tls_certs.key, 'cert': tls_certs.cert})
    server.on('stream', hello)
    port = listen(run_loop, server)
    session = http2.connect('https://localhost:%d' % port, {'ca': tls_certs.ca})
    seen = {}

    def on_remote(remote):
        seen['server advertises'] = remote['maxConcurrentStreams']
        seen['client advertises'] = session.localSettings['maxConcurrentStreams']
        session.close()
        server.close()
    session.once('remoteSettings', on_remote)
    run_loop(10)
    assert seen == {'server advertises': 100, 'client advertises': 2 ** 32 - 1}


def test_get_default_settings_stays_nodes():
    # node -e "console.log(require('http2').getDefaultSettings().maxConcurrentStreams)"
    assert http2.getDefaultSettings()['maxConcurrentStreams'] == 2 ** 32 - 1


def test_update_settings_sets_the_bound_of_new_sessions(run_loop):
    server = http2.createServer()
    server.updateSettings({'maxConcurrentStreams': 2})
    server.on('stream', hello)
    frames = open_150_then_one_more(run_loop, server)
    assert first_settings(frames)[MAX_CONCURRENT_STREAMS] == 2
    assert answered(frames) == [1, 3, 301]
