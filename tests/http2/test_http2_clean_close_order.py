"""A stream closed with RST_STREAM NO_ERROR while its writable side is
open: as Node's closeStream(), it gets 'aborted' and its writable side ends
('finish'). The orders were pinned under Node 20 (both ends Node's, and a
raw peer for the server's side)."""
import pytest

from pyuvnet import http2, setImmediate
from http2_support import (END_HEADERS, END_STREAM, HEADERS, PREFACE, RawPeer, frame, listen,
                           run_exchange, serve_until, settings)
from h2_conformance_support import request

EVENTS = ('response', 'aborted', 'end', 'finish', 'close', 'error')


def watch(stream, seen):
    for event in EVENTS:
        stream.on(event, lambda *args, event=event: seen.append(
            event + (':' + args[0].code if event == 'error' else '')))
    stream.on('data', lambda chunk: seen.append('data'))


def client_events(run_loop, server):
    """The events of a POST left open, against ``server``."""
    seen = []

    def client(session, done):
        req = session.request({':method': 'POST'})
        watch(req, seen)
        req.on('close', lambda: (seen.append(('rstCode', req.rstCode, req.aborted)), done()))
    run_exchange(run_loop, server, client)
    return seen


def test_a_close_before_the_response_aborts_then_finishes_then_ends(run_loop):
    # Node 20: the server's stream.close(NGHTTP2_NO_ERROR) before respond():
    # the client's request gets aborted, finish, end, close; rstCode 0.
    server = http2.createServer()
    server.on('stream', lambda stream, *_: stream.close(0))
    assert client_events(run_loop, server) == ['aborted', 'finish', 'end', 'close',
                                               ('rstCode', 0, True)]


def test_a_close_after_a_write_sends_the_write_first(run_loop):
    # Node 20: respond(), write(), then close(NGHTTP2_NO_ERROR) at once:
    # what was written leaves before the RST_STREAM; the client gets
    # response, data, aborted, finish, end, close. The server's stream is
    # 'aborted' at close() (its writable side was open), then 'finish'.
    server = http2.createServer()
    server_seen = []

    def on_stream(stream, *_):
        for event in ('aborted', 'finish', 'close'):
            stream.on(event, lambda event=event: server_seen.append(event))
        stream.respond()
        stream.write(b'partial')
        stream.close(0)
        server_seen.append('closed')
    server.on('stream', on_stream)
    assert client_events(run_loop, server) == ['response', 'data', 'aborted', 'finish', 'end',
                                               'close', ('rstCode', 0, True)]
    assert server_seen == ['aborted', 'closed', 'finish', 'close']


def test_a_close_after_the_body_was_framed_ends_the_client_first(run_loop):
    # Node 20: close(NO_ERROR) once the write has left: the server's
    # END_STREAM goes before its RST_STREAM, so the client's 'end' comes
    # before 'aborted'.
    server = http2.createServer()

    def on_stream(stream, *_):
        stream.respond()
        stream.write(b'partial', lambda *_: setImmediate(stream.close, 0))
    server.on('stream', on_stream)
    assert client_events(run_loop, server) == ['response', 'data', 'end', 'aborted', 'finish',
                                               'close', ('rstCode', 0, True)]


def test_a_compat_answer_to_an_open_request_aborts_the_request_after_its_end(run_loop):
    # Node 20: res.end() to a request its client never ended; the request
    # stream gets response, data, end, aborted, finish, close.
    server = http2.createServer(lambda req, res: res.end('x'))
    assert client_events(run_loop, server) == ['response', 'data', 'end', 'aborted', 'finish',
                                               'close', ('rstCode', 0, True)]


@pytest.mark.parametrize('answer', [False, True])
def test_a_server_stream_reset_clean_with_no_body_end_aborts_first(run_loop, answer):
    # Node 20 (a raw peer's HEADERS, then RST_STREAM NO_ERROR): aborted,
    # finish, end, close; respond() in 'end' is ERR_HTTP2_INVALID_STREAM.
    seen = server_events(run_loop, frame(3, 0, 1, bytes(4)), answer)
    assert seen == ['aborted', 'finish', 'end'] + (
        ['throw:ERR_HTTP2_INVALID_STREAM'] if answer else []) + ['close']


@pytest.mark.parametrize('answer', [False, True])
def test_a_server_stream_whose_body_ended_in_the_same_read_ends_first(run_loop, answer):
    # Node 20 (the body's END_STREAM and RST_STREAM NO_ERROR in one read):
    # 'end' first, and an answer given in it goes out with no 'aborted';
    # without one, aborted and finish follow 'end'.
    seen = server_events(run_loop, frame(0, END_STREAM, 1, b'x') + frame(3, 0, 1, bytes(4)),
                         answer)
    assert seen == ['end'] + (['responded'] if answer else ['aborted', 'finish']) + ['close']


def server_events(run_loop, tail, answer):
    seen = []
    server = http2.createServer()

    def on_stream(stream, *_):
        for event in ('aborted', 'end', 'finish', 'close', 'error'):
            stream.on(event, lambda *args, event=event: seen.append(
                event + (':' + args[0].code if event == 'error' else '')))

        def on_end():
            if not answer:
                return
            try:
                stream.respond({':status': 200})
                stream.end('ok')
                seen.append('responded')
            except Exception as error:
                seen.append('throw:' + error.code)
        stream.on('end', on_end)
        stream.resume()
    server.on('stream', on_stream)
    peer = RawPeer(listen(run_loop, server), [
        PREFACE + settings() + frame(HEADERS, END_HEADERS, 1, request('POST')) + tail], timeout=1)
    serve_until(run_loop, server, peer)
    return seen
