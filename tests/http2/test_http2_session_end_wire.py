"""What a session being destroyed puts on the wire, whoever destroys it (the
program, on either side, or a read nghttp2 refused). Each case was first
captured from Node 20 with a raw peer printing the frames: every open
stream is reset with the session's code before the GOAWAY, except the
newest, whose RST_STREAM Node's GOAWAY overtakes; one GOAWAY, last."""
import socket
import threading

import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import (ACK, END_HEADERS, GOAWAY, HEADERS, PREFACE, RST_STREAM,
                           SETTINGS, WINDOW_UPDATE, RawPeer, frame, listen, parse_frames, serve_until,
                           settings)

NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR = 0, 1, 2


def post(stream_id, path):
    """HEADERS of a POST to ``path`` whose body never comes."""
    block = b'\x83\x86\x04' + bytes([len(path)]) + path + b'\x01\x09localhost'
    return frame(HEADERS, END_HEADERS, stream_id, block)


def wire(frames):
    """The frames that end streams and the session, as (kind, stream or
    last stream id, code)."""
    out = []
    for kind, _flags, stream_id, payload in frames:
        if kind == RST_STREAM:
            out.append(('RST_STREAM', stream_id, int.from_bytes(payload[:4], 'big')))
        elif kind == GOAWAY:
            out.append(('GOAWAY', int.from_bytes(payload[:4], 'big'),
                        int.from_bytes(payload[4:8], 'big')))
    return out


def server_destroying(run_loop, ending):
    """Streams 1 and 3 held, then stream 5 asks /end, whose 'stream' listener
    calls ``ending(session)``; the frames the peer got."""
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.on('error', lambda _error: None)
        if headers[':path'] == '/end':
            ending(stream.session)
    server.on('stream', on_stream)
    server.on('sessionError', lambda *_: None)
    port = listen(run_loop, server)
    peer = RawPeer(port, [PREFACE + settings() + frame(SETTINGS, ACK, 0),
                          post(1, b'/hold') + post(3, b'/hold'), lambda s: s.recv(65536),
                          post(5, b'/end')], timeout=1)
    serve_until(run_loop, server, peer)
    return wire(peer.frames())


@pytest.mark.parametrize('ending, code', [
    (lambda session: net.setTimeout(lambda: session.destroy(Exception('boom')), 50),
     INTERNAL_ERROR),
    (lambda session: net.setTimeout(session.destroy, 50), NO_ERROR),
    (lambda session: net.setTimeout(lambda: session.destroy(None, PROTOCOL_ERROR), 50),
     PROTOCOL_ERROR),
    (lambda session: net.setTimeout(lambda: session.destroy(INTERNAL_ERROR), 50),
     INTERNAL_ERROR),
], ids=['destroy(err)', 'destroy()', 'destroy(None, code)',
        'destroy(code)'])
def test_a_server_session_the_program_destroys_resets_its_streams_but_the_newest(
        run_loop, ending, code):
    assert server_destroying(run_loop, ending) == [
        ('RST_STREAM', 1, code), ('RST_STREAM', 3, code), ('GOAWAY', 5, code)]


@pytest.mark.parametrize('ending, code', [
    (lambda session: session.destroy(), NO_ERROR),
    (lambda session: session.destroy(None, PROTOCOL_ERROR), PROTOCOL_ERROR),
], ids=['destroy()', 'destroy(None, code)'])
def test_a_session_destroyed_inside_a_stream_listener_resets_its_other_streams_first(
        run_loop, ending, code):
    # Node 20, session.destroy() in stream 5's 'stream' listener, streams 1
    # and 3 held (in one read or two): RST_STREAM 1 and 3, then GOAWAY.
    # Inside the read nghttp2 is terminated, and sends none of the resets
    # queued in it: they go ahead of its GOAWAY.
    assert server_destroying(run_loop, ending) == [
        ('RST_STREAM', 1, code), ('RST_STREAM', 3, code), ('GOAWAY', 5, code)]


def test_a_session_refusing_a_read_resets_its_streams_but_the_newest(run_loop):
    # A zero WINDOW_UPDATE on the connection ends the session (Node 20's
    # protocol error).
    server = http2.createServer()
    server.on('stream', lambda stream, *_: stream.on('error', lambda _error: None))
    server.on('sessionError', lambda *_: None)
    port = listen(run_loop, server)
    peer = RawPeer(port, [PREFACE + settings() + frame(SETTINGS, ACK, 0),
                          post(1, b'/hold') + post(3, b'/hold'), lambda s: s.recv(65536),
                          frame(WINDOW_UPDATE, 0, 0, bytes(4))], timeout=1)
    serve_until(run_loop, server, peer)
    assert wire(peer.frames()) == [('RST_STREAM', 1, INTERNAL_ERROR), ('GOAWAY', 3, INTERNAL_ERROR)]


class RawServer:
    """A listening socket in a thread: SETTINGS to the one client it
    accepts, then reads until the client's FIN or ``timeout``."""

    def __init__(self, timeout=2):
        self._listener = socket.create_server(('127.0.0.1', 0))
        self.port = self._listener.getsockname()[1]
        self.received = bytearray()

        def run():
            conn, _ = self._listener.accept()
            conn.settimeout(timeout)
            try:
                conn.sendall(frame(SETTINGS, 0, 0))
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    self.received += data
            except OSError:
                pass
            finally:
                conn.close()
                self._listener.close()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def frames(self):
        return parse_frames(bytes(self.received[len(PREFACE):]))


@pytest.mark.parametrize('args, code', [((Exception('x'),), INTERNAL_ERROR), ((), NO_ERROR),
                                        ((None, PROTOCOL_ERROR), PROTOCOL_ERROR)],
                         ids=['destroy(err)', 'destroy()', 'destroy(None, code)'])
def test_a_client_the_program_destroys_resets_its_requests_but_the_newest(run_loop, args, code):
    peer = RawServer()
    client = http2.connect('http://127.0.0.1:%d' % peer.port)
    client.on('error', lambda _error: None)
    for _ in range(3):
        client.request({':method': 'POST'}).on('error', lambda _error: None)
    net.setTimeout(lambda: client.destroy(*args), 200)
    run_loop(5)
    peer.thread.join(5)
    assert [kind for kind, *_ in peer.frames()].count(HEADERS) == 3
    assert wire(peer.frames()) == [('RST_STREAM', 1, code), ('RST_STREAM', 3, code),
                                   ('GOAWAY', 0, code)]
