"""A session's setNextStreamID() and a client that runs out of stream ids,
as Node 20 has them (each test names the test/parallel file it ports; the
values not in Node's files were run under /usr/bin/node 20 first)."""
from pyuvnet import http2
from http2_support import countdown, listen
from support import assert_code


def _answer_ok(stream, *_):
    stream.respond()
    stream.end('ok')


def test_set_next_stream_id_refuses_what_is_no_id(run_loop):
    # Ports test-http2-client-setNextStreamID-errors.js: 2**32 is
    # ERR_OUT_OF_RANGE (a RangeError, "> 0 and <= 4294967295"), and what
    # is no number ERR_INVALID_ARG_TYPE (a TypeError); with 0 as Node 20.
    seen = {}
    server = http2.createServer()
    server.on('stream', _answer_ok)
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))

    def on_connect(*_):
        for value in (2 ** 32, 0, -1):
            error = assert_code('ERR_OUT_OF_RANGE', lambda: client.setNextStreamID(value),
                                ValueError)
            seen[value] = str(error)
        for value in (True, lambda: None, {}, [], None, '3', object()):
            error = assert_code('ERR_INVALID_ARG_TYPE', lambda: client.setNextStreamID(value),
                                TypeError)
            seen.setdefault('types', []).append(
                str(error).startswith('The "id" argument must be of type number.'))
        server.close()
        client.close()
    client.on('connect', on_connect)
    run_loop(10)
    assert seen[2 ** 32] == ('The value of "id" is out of range. It must be > 0 and '
                             '<= 4294967295. Received 4294967296')
    assert seen[0].endswith('Received 0') and seen[-1].endswith('Received -1')
    assert seen['types'] == [True] * 7


def test_an_id_nghttp2_refuses_is_ignored(run_loop):
    # As Node 20 (run first): the id goes to nghttp2 as an int32, and one
    # it refuses leaves the next id as it was, without an error: 2**32-1
    # and 2**31 (negative as int32s), an even id on a client, 1.5 (1, below
    # the next id); an odd id above it is taken. A server's ids are even.
    seen = {}
    server = http2.createServer()
    server.on('stream', _answer_ok)

    def on_session(session):
        before = session.state['nextStreamID']
        session.setNextStreamID(7)
        seen['server odd'] = (before, session.state['nextStreamID'])
        session.set_next_stream_id(8)
        seen['server even'] = session.state['nextStreamID']
    server.on('session', on_session)
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))

    def on_connect(*_):
        steps = []
        for value in (2 ** 32 - 1, 2 ** 31, 4, 3, 1.5):
            steps.append((client.setNextStreamID(value), client.state['nextStreamID']))
        seen['client'] = steps
        req = client.request()
        seen['id'] = req.id
        req.resume()
        req.on('close', lambda: (server.close(), client.close()))
    client.on('connect', on_connect)
    run_loop(10)
    assert seen['client'] == [(None, 1), (None, 1), (None, 1), (None, 3), (None, 3)]
    assert seen['id'] == 3
    assert seen['server odd'] == (2, 2) and seen['server even'] == 8


def test_a_client_out_of_stream_ids_fails_the_next_request(run_loop):
    # Ports test-http2-no-more-streams.js: after setNextStreamID(2**31-1)
    # the next request takes that id and is answered; the one after errs
    # with ERR_HTTP2_OUT_OF_STREAMS (rstCode INTERNAL_ERROR) and the
    # session stays up (Node 20, run first).
    seen = {'server ids': []}
    next_id = 2 ** 31 - 1
    server = http2.createServer()

    def on_stream(stream, *_):
        seen['server ids'].append(stream.id)
        _answer_ok(stream)
    server.on('stream', on_stream)
    client = http2.connect('http://localhost:%d' % listen(run_loop, server))

    def on_connect(*_):
        client.setNextStreamID(next_id)
        seen['next'] = client.state['nextStreamID']
        done = countdown(2, lambda: (seen.setdefault('destroyed', client.destroyed),
                                     server.close(), client.close()))
        first = client.request()
        seen['first id'] = first.id
        first.on('error', lambda error: seen.setdefault('first error', error))
        first.resume()
        first.on('end', done)
        second = client.request()
        second.on('error', lambda error: seen.setdefault('second', (
            type(error).__name__, error.code, str(error))))
        second.on('close', lambda: (seen.setdefault('second close', (second.rstCode,
                                                                     second.id)), done()))
    client.on('connect', on_connect)
    run_loop(10)
    assert (seen['next'], seen['first id'], seen['server ids']) == (next_id, next_id, [next_id])
    assert 'first error' not in seen
    assert seen['second'] == ('ERR_HTTP2_OUT_OF_STREAMS', 'ERR_HTTP2_OUT_OF_STREAMS',
                              'No stream ID is available because maximum stream ID has '
                              'been reached')
    assert seen['second close'] == (http2.constants.NGHTTP2_INTERNAL_ERROR, None)
    assert seen['destroyed'] is False

