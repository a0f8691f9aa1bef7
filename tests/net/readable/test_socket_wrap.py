"""``stream.Readable().wrap(socket)`` over a net.Socket: the pattern of
Node's test-stream2-readable-wrap.js with a socket as the old-style
stream. Each expectation was run under Node 20 first."""
import pyuvnet as net
from pyuvnet.stream import Readable


def serve(listening_server, payload):
    return listening_server(lambda sock: sock.end(payload))


def test_a_wrapped_socket_gives_every_byte_then_end_and_close(listening_server, run_loop):
    # Node 20: wrap() returns the Readable; 100000 bytes, 'end' then
    # 'close'; the Readable is destroyed, the socket not yet.
    server, port = serve(listening_server, b'a' * 100000)
    sock = net.connect(port, '127.0.0.1')
    r = Readable(highWaterMark=1024)
    assert r.wrap(sock) is r
    got, events = [], []
    r.on('data', got.append)
    r.on('end', lambda: events.append('end'))
    r.on('close', lambda *_: (events.append(('close', sock.destroyed, r.destroyed)),
                              server.close()))
    run_loop()
    assert len(b''.join(got)) == 100000
    assert events == ['end', ('close', False, True)]


def test_a_wrapped_socket_is_paused_while_the_readable_is_full(listening_server, run_loop):
    # Node 20: at the first 'readable' (nothing read yet, the mark 1024)
    # the socket is paused; 'data' listeners then get all of it.
    server, port = serve(listening_server, b'b' * 100000)
    sock = net.connect(port, '127.0.0.1')
    r = Readable(highWaterMark=1024).wrap(sock)
    seen = []
    got = []

    def first():
        seen.append((sock.isPaused(), r.readableLength > 0))
        r.on('data', got.append)
        r.on('end', lambda: server.close())
    r.once('readable', first)
    run_loop()
    assert seen == [(True, True)]
    assert b''.join(got) == b'b' * 100000
