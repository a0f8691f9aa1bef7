"""Frames on a stream the server has closed, and on a stream id the client
skipped (RFC 9113 5.1, 5.1.1, 5.4.2): nghttp2 1.70 keeps no closed
stream and ignored them all, where h2spec (5.1/8, 9, 11, 12, 5.1.1/2)
and hypercorn answer each. What the client itself ended is held against
it; a frame racing the server's own RST_STREAM is ignored. Also the
connection window past 2^31-1 (6.9.1/2) and the GOAWAY's code for it."""
import time

import pytest

from pyuvnet import http2
from http2_support import (DATA, END_HEADERS, END_STREAM, GET_BLOCK, GOAWAY, HEADERS, PREFACE,
                           RST_STREAM, SETTINGS, WINDOW_UPDATE, ACK, RawPeer, frame, goaway_code,
                           listen, serve_until, settings)

NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, STREAM_CLOSED, CANCEL = \
    0, 1, 2, 3, 5, 8
OPEN = PREFACE + settings() + frame(SETTINGS, ACK, 0)
# POST / over http, localhost (HPACK static table): a request with a body to come.
POST_BLOCK = b'\x83\x86\x84\x01\x09localhost'


def get(stream_id):
    return frame(HEADERS, END_HEADERS | END_STREAM, stream_id, GET_BLOCK)


def pause(seconds):
    return lambda sock: time.sleep(seconds)


def answering_server(seen, hang_up=False):
    """A server answering each request 200 once its body ended, or (with
    ``hang_up``) closing a POST's stream with CANCEL as soon as it came;
    ``seen`` gets the session's errors and each request's stream id."""
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        seen.append(stream.id)
        stream.on('error', lambda error: None)
        if hang_up and headers[':method'] == 'POST':
            stream.close(CANCEL)
            return
        stream.resume()

        def answer():
            if stream.rstCode is None:      # (not reset by the client meanwhile)
                stream.respond({':status': 200})
                stream.end(b'ok')
        stream.on('end', answer)
    server.on('stream', on_stream)
    server.on('sessionError', lambda error, session: seen.append(error.code))
    return server


def exchange(run_loop, server, chunks, timeout=1):
    port = listen(run_loop, server)
    peer = RawPeer(port, chunks, timeout=timeout)
    serve_until(run_loop, server, peer)
    return peer.frames()


def resets(frames):
    return [(stream, int.from_bytes(payload[:4], 'big'))
            for kind, _f, stream, payload in frames if kind == RST_STREAM]


def answered(frames):
    return [stream for kind, _f, stream, _p in frames if kind == HEADERS]


@pytest.mark.parametrize('reads', ['one read', 'two reads', 'three reads'])
def test_data_after_the_clients_rst_stream_resets_the_stream_and_the_session_goes_on(
        run_loop, reads):
    # h2spec 5.1/8: STREAM_CLOSED, a stream error (RFC 9113 5.1 "closed").
    seen = []
    steps = [frame(HEADERS, END_HEADERS, 1, POST_BLOCK),
             frame(RST_STREAM, 0, 1, CANCEL.to_bytes(4, 'big')),
             frame(DATA, END_STREAM, 1, b'test')]
    if reads == 'one read':
        steps = [b''.join(steps)]
    elif reads == 'two reads':
        # (The stream nghttp2 still holds as the read comes: the watch
        # sees the reset before the DATA.)
        steps = [steps[0], pause(0.1), steps[1] + steps[2]]
    else:
        steps = [steps[0], pause(0.1), steps[1], pause(0.1), steps[2]]
    frames = exchange(run_loop, answering_server(seen),
                      [OPEN] + steps + [pause(0.2), get(3)])
    assert (1, STREAM_CLOSED) in resets(frames)
    assert goaway_code(frames) in (None, NO_ERROR)
    assert answered(frames) == [3]


def test_headers_after_the_clients_rst_stream_resets_the_stream(run_loop):
    # h2spec 5.1/9.
    seen = []
    frames = exchange(run_loop, answering_server(seen), [
        OPEN + frame(HEADERS, END_HEADERS, 1, POST_BLOCK)
        + frame(RST_STREAM, 0, 1, CANCEL.to_bytes(4, 'big')), pause(0.1), get(1), pause(0.2),
        get(3)])
    assert (1, STREAM_CLOSED) in resets(frames)
    assert answered(frames) == [3]
    assert seen == [1, 3]


def test_data_on_a_stream_the_client_ended_ends_the_session_with_stream_closed(run_loop):
    # h2spec 5.1/11: the request ended, answered and closed; then DATA on
    # it is a connection error STREAM_CLOSED (nghttp2's own answer to it
    # on a stream it still holds).
    seen = []
    frames = exchange(run_loop, answering_server(seen), [
        OPEN + get(1), pause(0.3), frame(DATA, END_STREAM, 1, b'test')])
    assert answered(frames) == [1]
    assert goaway_code(frames) == STREAM_CLOSED


def test_headers_on_a_stream_the_client_ended_ends_the_session(run_loop):
    # h2spec 5.1/12: as nghttp2's "HEADERS: stream closed", an invalid
    # frame, which ends the session as Node's (GOAWAY INTERNAL_ERROR,
    # ERR_HTTP2_ERROR).
    seen = []
    frames = exchange(run_loop, answering_server(seen), [OPEN + get(1), pause(0.3), get(1)])
    assert answered(frames) == [1]
    assert goaway_code(frames) == INTERNAL_ERROR
    assert seen == [1, 'ERR_HTTP2_ERROR']


def test_headers_on_a_stream_id_the_client_skipped_ends_the_session(run_loop):
    # h2spec 5.1.1/2: stream 5 opened, then 3, which opening 5 closed
    # unused (RFC 9113 5.1.1): a protocol error, in one read or two.
    for steps in ([OPEN + get(5) + get(3)], [OPEN + get(5), pause(0.2), get(3)]):
        seen = []
        frames = exchange(run_loop, answering_server(seen), steps)
        assert goaway_code(frames) == INTERNAL_ERROR
        assert seen == [5, 'ERR_HTTP2_ERROR']


def test_data_racing_the_servers_own_rst_stream_is_ignored(run_loop):
    # RFC 9113 5.4.2: after its RST_STREAM the server takes the frames the
    # client sent before it heard of it. Nothing is answered for them.
    seen = []
    frames = exchange(run_loop, answering_server(seen, hang_up=True), [
        OPEN + frame(HEADERS, END_HEADERS, 1, POST_BLOCK), pause(0.3),
        frame(DATA, 0, 1, b'a' * 100), frame(HEADERS, END_HEADERS | END_STREAM, 1, b'\x00\x01x\x01y'),
        pause(0.1), get(3)])
    assert resets(frames) == [(1, CANCEL)]
    assert answered(frames) == [3]
    assert goaway_code(frames) in (None, NO_ERROR)


def test_a_client_that_keeps_writing_to_its_reset_streams_loses_the_session(run_loop):
    # Each such frame is an invalid frame, counted against
    # maxSessionInvalidFrames as Node counts them.
    seen = []
    server = http2.createServer({'maxSessionInvalidFrames': 10})
    server.on('stream', lambda stream, *_: stream.on('error', lambda error: None))
    server.on('sessionError', lambda error, session: seen.append(error.code))
    frames = exchange(run_loop, server, [
        OPEN + frame(HEADERS, END_HEADERS, 1, POST_BLOCK)
        + frame(RST_STREAM, 0, 1, CANCEL.to_bytes(4, 'big')), pause(0.1),
        frame(DATA, 0, 1, b'x') * 20])
    assert len(resets(frames)) == 11
    assert goaway_code(frames) == INTERNAL_ERROR
    assert seen == ['ERR_HTTP2_TOO_MANY_INVALID_FRAMES']


def test_a_connection_window_past_2_31_ends_the_session_with_flow_control_error(run_loop):
    # h2spec 6.9.1/2: RFC 9113 6.9.1 wants GOAWAY FLOW_CONTROL_ERROR (Node
    # 20 sends INTERNAL_ERROR, as for its other invalid frames).
    seen = []
    frames = exchange(run_loop, answering_server(seen), [
        OPEN + frame(WINDOW_UPDATE, 0, 0, (0x7FFFFFFF).to_bytes(4, 'big')) * 2])
    assert goaway_code(frames) == FLOW_CONTROL_ERROR
    assert seen == ['ERR_HTTP2_ERROR']
    assert not any(kind == GOAWAY and stream for kind, _f, stream, _p in frames)
