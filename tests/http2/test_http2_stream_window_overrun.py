"""DATA past a stream's receive window (RFC 9113 6.9): a stream error.
Node 20 (nghttp2 1.61) resets the stream with FLOW_CONTROL_ERROR, takes
the frame's bytes off the connection's window and gives them back, and
the connection and its other streams go on; nghttp2 1.70 would end the
connection. Pinned from a raw client against Node 20's server: RST_STREAM
FLOW_CONTROL_ERROR on the stream, WINDOW_UPDATEs on stream 0 for every
byte sent, a later request answered, and the server's stream gets
'aborted', ERR_HTTP2_STREAM_ERROR and 'close' with rstCode 3."""
import pytest

from pyuvnet import http2
from http2_support import (ACK, DATA, END_HEADERS, END_STREAM, GET_BLOCK, GOAWAY, HEADERS,
                           PREFACE, RST_STREAM, SETTINGS, WINDOW_UPDATE, RawPeer, frame, listen,
                           serve_until, settings)
from test_http2_closed_streams import POST_BLOCK, answered, pause, resets

FLOW_CONTROL_ERROR = 3
OPEN = PREFACE + settings() + frame(SETTINGS, ACK, 0)
FULL = 16384        # a DATA frame of the default largest size: four overrun 65,535


def holding_server(seen, windows=None):
    """A server that never reads a POST's body and answers a GET;
    ``windows`` gets the connection's receive window at each GET."""
    windows = [] if windows is None else windows
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        if headers[':method'] == 'GET':
            windows.append(stream.session.state['localWindowSize'])
            stream.respond({':status': 200})
            stream.end(b'ok')
            return
        stream.pause()
        stream.on('aborted', lambda: seen.append('aborted'))
        stream.on('error', lambda error: seen.append((error.code, str(error))))
        stream.on('end', lambda: seen.append('end'))
        stream.on('close', lambda: seen.append(('close', stream.rstCode)))
    server.on('stream', on_stream)
    server.on('sessionError', lambda error, session: seen.append(error.code))
    return server


def exchange(run_loop, server, chunks):
    port = listen(run_loop, server)
    peer = RawPeer(port, chunks, timeout=1)
    serve_until(run_loop, server, peer)
    return peer.frames()


def connection_window_given(frames):
    return sum(int.from_bytes(payload, 'big') for kind, _f, stream, payload in frames
               if kind == WINDOW_UPDATE and stream == 0)


def body(count, size=FULL):
    return b''.join(frame(DATA, 0, 1, b'x' * size) for _ in range(count))


SHAPES = {
    # As the Node probe: three frames, then the one that overruns.
    'a later read': [OPEN + frame(HEADERS, END_HEADERS, 1, POST_BLOCK) + body(3), pause(0.2),
                     body(1)],
    # The request, its window and the overrun in the read that opens it.
    'the opening read': [OPEN + frame(HEADERS, END_HEADERS, 1, POST_BLOCK) + body(4)],
    # The overrunning frame's payload split over three reads.
    'a split frame': [OPEN + frame(HEADERS, END_HEADERS, 1, POST_BLOCK) + body(3), pause(0.2),
                      body(1)[:100], pause(0.1), body(1)[100:9000], pause(0.1),
                      body(1)[9000:]],
    # The overrunning frame's 9-byte header cut by the read's end: the
    # watch holds its first bytes back from nghttp2 until it is whole.
    'a split frame header': [OPEN + frame(HEADERS, END_HEADERS, 1, POST_BLOCK) + body(3),
                             pause(0.2), body(1)[:4], pause(0.1), body(1)[4:]],
    # And cut twice, a frame that fits the window before it in the read.
    'a header cut twice': [OPEN + frame(HEADERS, END_HEADERS, 1, POST_BLOCK) + body(2),
                           pause(0.2), body(1) + body(1)[:2], pause(0.1), body(1)[2:7],
                           pause(0.1), body(1)[7:]],
}


@pytest.mark.parametrize('shape', sorted(SHAPES))
def test_data_past_a_streams_window_resets_that_stream_and_the_connection_goes_on(
        run_loop, shape):
    seen, windows = [], []
    frames = exchange(run_loop, holding_server(seen, windows), SHAPES[shape] + [
        pause(0.2), frame(HEADERS, END_HEADERS | END_STREAM, 3, GET_BLOCK), pause(0.2)])
    assert resets(frames) == [(1, FLOW_CONTROL_ERROR)]
    assert not [f for f in frames if f[0] == GOAWAY]
    assert answered(frames) == [3]
    # The connection's window is the one the client counts: the dropped
    # frame's bytes came back (a WINDOW_UPDATE of its own), the others as
    # nghttp2 gives them (half a window at a time, as Node's).
    given = connection_window_given(frames)
    assert windows == [65535 - 4 * FULL + given]
    assert given >= 3 * FULL
    assert seen == ['aborted', ('ERR_HTTP2_STREAM_ERROR',
                                'Stream closed with error code NGHTTP2_FLOW_CONTROL_ERROR'),
                    ('close', FLOW_CONTROL_ERROR)]


def no_overrun(run_loop, chunks, get_id):
    """Sends ``chunks``, then a GET on stream ``get_id``: no stream may be
    reset and the GET is answered."""
    seen = []
    frames = exchange(run_loop, holding_server(seen), chunks + [
        pause(0.2), frame(HEADERS, END_HEADERS | END_STREAM, get_id, GET_BLOCK), pause(0.2)])
    assert resets(frames) == []
    assert answered(frames) == [get_id]
    # (Its streams end with the connection, CANCEL, when the client leaves.)
    assert ('close', FLOW_CONTROL_ERROR) not in seen


def test_data_that_fits_the_window_exactly_is_no_overrun(run_loop):
    no_overrun(run_loop, [OPEN + frame(HEADERS, END_HEADERS, 1, POST_BLOCK) + body(3)
                          + body(1, FULL - 1)], 3)


def test_a_frame_header_cut_by_a_read_that_fits_the_window_is_no_overrun(run_loop):
    # The held header bytes reach nghttp2 with the rest of the frame.
    last = body(1, FULL - 1)
    no_overrun(run_loop, [OPEN + frame(HEADERS, END_HEADERS, 1, POST_BLOCK) + body(3)
                          + last[:5], pause(0.2), last[5:]], 3)


def test_data_on_another_stream_in_the_same_read_does_not_count_against_a_window(run_loop):
    # Stream 1 holds 48 KiB (17,535 of its window left); then one read of
    # 16,000 bytes on stream 3 and 10,000 on stream 1: more DATA in the
    # read than stream 1's window, but each stream within its own.
    no_overrun(run_loop, [OPEN + frame(HEADERS, END_HEADERS, 1, POST_BLOCK) + body(3), pause(0.2),
                          frame(HEADERS, END_HEADERS, 3, POST_BLOCK)
                          + frame(DATA, 0, 3, b'y' * 16000) + frame(DATA, 0, 1, b'x' * 10000)], 5)


def test_data_past_a_small_window_is_not_emitted(run_loop):
    # initialWindowSize 18, 100 bytes in one frame to a flowing stream:
    # Node 20's nghttp2 hands the stream the 100 bytes before it resets
    # it; here the frame is dropped before nghttp2 reads it (RFC 9113
    # 6.9: the peer had no right to send them), the reset is the same.
    seen = []
    server = http2.createServer({'settings': {'initialWindowSize': 18}})

    def on_stream(stream, headers, flags, raw):
        stream.on('data', lambda chunk: seen.append(len(chunk)))
        stream.on('error', lambda error: seen.append(error.code))
        stream.on('close', lambda: seen.append(('close', stream.rstCode)))
    server.on('stream', on_stream)
    frames = exchange(run_loop, server, [
        OPEN + frame(HEADERS, END_HEADERS, 1, POST_BLOCK), pause(0.2),
        frame(DATA, 0, 1, b'x' * 100), pause(0.2)])
    assert resets(frames) == [(1, FLOW_CONTROL_ERROR)]
    assert connection_window_given(frames) == 100
    assert seen == ['ERR_HTTP2_STREAM_ERROR', ('close', FLOW_CONTROL_ERROR)]


def misbehaving_client(run_loop, window, on_stream):
    """Node's misbehaving client: a request on stream 13, then three DATA
    frames of 18 bytes, whatever the window (``initialWindowSize``)
    allows, all in one write; gives the frames the server sent. One write,
    so that they reach the server in one read, as Node's test's writes do:
    frames in reads of their own would leave the server time to give a
    flowing stream's window back between them, and then fit it as the
    server counts it."""
    server = http2.createServer({'settings': {'initialWindowSize': window}})
    server.on('stream', on_stream)
    data = frame(DATA, 0, 13, b'hello\n' * 3)
    return exchange(run_loop, server, [OPEN + frame(HEADERS, END_HEADERS, 13, POST_BLOCK)
                                       + data * 3, pause(0.2)])


def overrun_answer(stream, seen):
    stream.on('error', lambda error: seen.append((error.code, str(error))))
    stream.on('end', lambda: seen.append('end'))
    stream.on('close', lambda: seen.append(('close', stream.rstCode)))
    stream.respond()
    stream.end(b'ok')


OVERRUN_ERROR = ('ERR_HTTP2_STREAM_ERROR', 'Stream closed with error code NGHTTP2_FLOW_CONTROL_ERROR')


def test_misbehaving_flow_control_on_a_flowing_stream_resets_it(run_loop):
    # Ports test-http2-misbehaving-flow-control.js (window 18, the stream
    # flowing). Node 20 also emits the overrunning frames' bytes ('data'
    # of 18 three times); here only what fitted the window is emitted.
    seen = []

    def on_stream(stream, headers, flags, raw):
        stream.on('data', lambda chunk: seen.append(len(chunk)))
        overrun_answer(stream, seen)
    frames = misbehaving_client(run_loop, 18, on_stream)
    assert resets(frames) == [(13, FLOW_CONTROL_ERROR)]
    assert seen[-2:] == [OVERRUN_ERROR, ('close', FLOW_CONTROL_ERROR)]
    assert set(seen[:-2]) == {18}


def test_misbehaving_flow_control_on_a_paused_stream_resets_it(run_loop):
    # Ports test-http2-misbehaving-flow-control-paused.js (window 36, the
    # stream paused with a high-water mark of 0): the error, 'close' with
    # rstCode 3 and no 'end', as Node 20's.
    seen = []

    def on_stream(stream, headers, flags, raw):
        stream._readableState.highWaterMark = 0
        stream.pause()
        overrun_answer(stream, seen)
    frames = misbehaving_client(run_loop, 36, on_stream)
    assert resets(frames) == [(13, FLOW_CONTROL_ERROR)]
    assert seen == [OVERRUN_ERROR, ('close', FLOW_CONTROL_ERROR)]
