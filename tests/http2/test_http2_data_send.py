"""DATA frames written without a copy of their payload (uv/http2/data_send.pyx):
over a plain socket a frame's payload leaves from the bytes write() was
given, in the socket's own write path. What must hold with it: the body
arrives intact whatever the chunk sizes and windows; a peer that stops
reading its socket holds the server's memory to about one write and
write() at False until 'drain'; and a session destroyed with DATA queued
and in flight gives back every chunk at once, with no cyclic collection."""
import gc
import os
import sys
import time

from pyuvnet import http2
import pyuvnet as net
from http2_support import (DATA, END_HEADERS, END_STREAM, GET_BLOCK, HEADERS, PREFACE,
                           WINDOW_UPDATE, RawPeer, frame, listen, serve_until, settings)

MIB = 1 << 20
# Chunks that end inside frames, span several, and are shorter than the
# smallest uncopied payload (copied into nghttp2's frame instead), mixed.
SIZES = [1, 5000, 16384, 100003, 3, 70000, MIB, 4095, 4096, 16385, 333333]


def sized_chunks(rounds):
    """(a random body, its chunks: SIZES ``rounds`` times over)."""
    body = os.urandom(sum(SIZES) * rounds)
    chunks, offset = [], 0
    for size in SIZES * rounds:
        chunks.append(body[offset:offset + size])
        offset += size
    return body, chunks


def run_until_end(run_loop, server, session, req):
    """Runs the loop until ``req``'s response ends, then closes both."""
    req.on('end', lambda: (session.close(), server.close()))
    run_loop(20)


def pump(stream, chunks, seen):
    """Writes ``chunks`` as a well-behaved writer (waiting for 'drain'
    after a False), then ends the stream."""
    def go():
        while chunks:
            if not stream.write(chunks.pop(0)):
                seen['false'] = seen.get('false', 0) + 1
                stream.once('drain', drain)
                return
        stream.end()

    def drain():
        seen['drain'] = seen.get('drain', 0) + 1
        go()
    go()


def test_a_large_body_through_small_windows_arrives_intact(run_loop):
    body, chunks = sized_chunks(3)
    seen, received = {}, []
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.respond({':status': 200})
        pump(stream, chunks, seen)
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    # The client's windows (stream and connection) let 20000 bytes out at
    # a time: frames cut where the window ends, not where a chunk does.
    session = http2.connect('http://127.0.0.1:%d' % port,
                            {'settings': {'initialWindowSize': 20000}})
    req = session.request({':path': '/'})
    req.on('data', received.append)
    run_until_end(run_loop, server, session, req)
    assert b''.join(received) == body
    assert seen.get('false') and seen['drain'] == seen['false']


def test_a_peer_that_stops_reading_holds_memory_and_drain_follows(run_loop):
    body = os.urandom(16 * MIB)
    chunks = [body[i:i + MIB] for i in range(0, len(body), MIB)]
    seen = {'most': 0}
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        socket = stream.session.socket

        def sample():
            # What the stream holds is its writableLength (bufferSize, as
            # Node's, counts a chunk nghttp2 holds twice).
            seen['most'] = max(seen['most'], socket.writableLength + stream.writableLength)
            seen['socket'] = max(seen.get('socket', 0), socket.writableLength)
        timer = net.setInterval(sample, 5)
        stream.on('close', lambda: (net.clearInterval(timer), stream.session.close()))
        stream.respond({':status': 200})
        pump(stream, chunks, seen)
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    opened = ((1 << 31) - 1 - 65535).to_bytes(4, 'big')

    def read_later(sock):
        time.sleep(1.0)     # the kernel's buffers fill, and the server waits
    peer = RawPeer(port, [PREFACE + settings(initial_window_size=(1 << 31) - 1)
                          + frame(WINDOW_UPDATE, 0, 0, opened)
                          + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET_BLOCK), read_later],
                   timeout=10)
    serve_until(run_loop, server, peer)
    got = b''.join(payload for kind, _f, stream_id, payload in peer.frames()
                   if kind == DATA and stream_id == 1)
    assert got == body
    assert seen.get('false') and seen['drain'] == seen['false']
    # One write (about 1 MiB of frames) in the socket, and what the stream
    # holds: never the body's 16 MiB.
    assert 0 < seen['most'] <= 3 * MIB
    assert seen['socket'] > 0       # the kernel's buffers were full


def test_a_session_destroyed_with_data_queued_frees_every_chunk_without_gc(run_loop):
    chunks = [os.urandom(MIB) for _ in range(32)]
    alone = sys.getrefcount(chunks[0])
    seen = {}
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        session = stream.session
        stream.respond({':status': 200})
        for chunk in chunks:
            stream.write(chunk)

        def destroy():
            # Frames in the socket's write request, chunks still queued.
            seen['in flight'] = session.socket.writableLength
            seen['queued'] = stream.bufferSize
            session.on('close', lambda: net.setImmediate(count))
            session.destroy()
        net.setTimeout(destroy, 300)

    def count():
        seen['refs'] = [sys.getrefcount(chunks[i]) - alone for i in range(len(chunks))]
    server.on('stream', on_stream)
    port = listen(run_loop, server)

    def hold(sock):
        time.sleep(1.0)     # reads nothing meanwhile
    peer = RawPeer(port, [PREFACE + settings(initial_window_size=(1 << 31) - 1)
                          + frame(WINDOW_UPDATE, 0, 0, ((1 << 31) - 1 - 65535).to_bytes(4, 'big'))
                          + frame(HEADERS, END_HEADERS | END_STREAM, 1, GET_BLOCK), hold],
                   timeout=10)
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        serve_until(run_loop, server, peer)
    finally:
        if enabled:
            gc.enable()
    assert seen['in flight'] > 0 and seen['queued'] > 0
    assert seen['refs'] == [0] * len(chunks)


def test_a_client_upload_written_before_the_connection_arrives_intact(run_loop):
    # The request's body is written while the client's socket still
    # connects (its frames then wait as bytes) and after (uncopied).
    body, chunks = sized_chunks(2)
    received, seen = [], {}
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.on('data', received.append)
        stream.on('end', lambda: (stream.respond({':status': 204}), stream.end()))
    server.on('stream', on_stream)
    port = listen(run_loop, server)
    session = http2.connect('http://127.0.0.1:%d' % port)
    req = session.request({':path': '/', ':method': 'POST'})
    pump(req, chunks, seen)
    req.resume()
    run_until_end(run_loop, server, session, req)
    assert b''.join(received) == body
