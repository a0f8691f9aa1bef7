"""HTTP/2 flow control tied to the streams' backpressure: a writer whose
peer's window is closed sees write() False and 'drain' once it opens; a
paused reader stops its window, so a sender cannot fill the reader's
memory. Node 20, the same server against a peer that never opens its
window: write(1 MiB) is False, no DATA and no 'drain', and the stream
closes with CANCEL when the peer goes (bufferSize then says 2 MiB in
both, counting the chunk twice: writableLength and the queue)."""
from pyuvnet import http2
from http2_support import (END_HEADERS, END_STREAM, GET_BLOCK, HEADERS, PREFACE, WINDOW_UPDATE,
                           RawPeer, frame, listen, parse_frames, serve_until, settings, DATA)

MIB = 1 << 20


def test_a_window_never_opened_holds_write_at_false_with_nothing_framed(run_loop):
    seen = {}
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.respond({':status': 200})
        seen['write'] = stream.write(b'x' * MIB)
        seen['queued'] = stream.bufferSize
        stream.on('drain', lambda: seen.setdefault('drain', True))
        stream.on('close', lambda: seen.setdefault('rstCode', stream.rstCode))
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    peer = RawPeer(port, [PREFACE + settings(initial_window_size=0)
                          + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET_BLOCK)], timeout=1)
    serve_until(run_loop, server, peer)
    assert seen['write'] is False and seen['queued'] == 2 * MIB
    assert 'drain' not in seen
    assert not [f for f in peer.frames() if f[0] == DATA and f[3]]
    assert seen['rstCode'] == 8   # CANCEL once the peer went, as Node's


def test_a_window_opened_later_lets_the_data_out_and_drain_follows(run_loop):
    seen = {}
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.respond({':status': 200})
        seen['write'] = stream.write(b'y' * 100000)
        stream.on('drain', lambda: (seen.setdefault('drain', True), stream.end()))
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    opening = (frame(WINDOW_UPDATE, 0, 0, (200000).to_bytes(4, 'big'))
               + frame(WINDOW_UPDATE, 0, 1, (200000).to_bytes(4, 'big')))

    def later(sock):
        import time
        time.sleep(0.3)
        sock.sendall(opening)
    peer = RawPeer(port, [PREFACE + settings(initial_window_size=0)
                          + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET_BLOCK), later],
                   timeout=2)
    serve_until(run_loop, server, peer)
    assert seen == {'write': False, 'drain': True}
    body = b''.join(f[3] for f in peer.frames() if f[0] == DATA and f[2] == 1)
    assert body == b'y' * 100000


def test_a_paused_reader_stops_its_window_and_resuming_gets_everything(run_loop):
    sent = {'bytes': 0, 'refused_at': None}
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.respond({':status': 200})

        def pump():
            while sent['bytes'] < 4 * MIB:
                sent['bytes'] += 16384
                if not stream.write(b'z' * 16384):
                    if sent['refused_at'] is None:
                        sent['refused_at'] = sent['bytes']
                    stream.once('drain', pump)
                    return
            stream.end()
        pump()
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    session = http2.connect('http://127.0.0.1:%d' % port)
    req = session.request({':path': '/'}, {'endStream': True})
    received = []
    req.pause()

    def check_then_resume():
        # Paused: only the windows' worth left the server (64 KiB stream
        # window), not the 4 MiB it wanted to send.
        sent['while_paused'] = sent['bytes']
        req.on('data', lambda chunk: received.append(len(chunk)))
        req.resume()
    from pyuvnet import setTimeout
    setTimeout(check_then_resume, 300)
    req.on('end', lambda: (session.close(), server.close()))
    run_loop(20)
    assert sent['refused_at'] is not None and sent['refused_at'] <= 256 * 1024
    assert sent['while_paused'] <= 256 * 1024
    assert sum(received) == 4 * MIB
