"""Node's Readable API on a net.Socket: 'readable' and read(n), unshift(),
readableFlowing as listeners come and go, setEncoding() with characters
split across reads, closed/errored/readableAborted, the default
high-water mark, and paused mode's bound. Each expectation was run under
Node 20 first; the Node test a case ports is named in it."""
import gc

import pytest

import pyuvnet as net
from pyuvnet import aio, errors, stream
from aio_support import arun, needs_backend_fd  # noqa: F401 (arun: the fixture)


def serve(listening_server, send):
    """A server whose every connection gets ``send(sock)``."""
    return listening_server(send)


def test_readable_then_read_n_and_the_rest_at_the_end(listening_server, run_loop):
    # Node 20 (n1.js): 12 bytes read 4 at a time, readableFlowing False,
    # 'end' with readableEnded True and closed False, 'close' with closed
    # True and errored None.
    def send(sock):
        sock.write(bytes([0, 0, 0, 5]))
        sock.write(b'hello')
        sock.end(b'xyz')
    server, port = serve(listening_server, send)
    client = net.connect(port)
    log = []
    assert client.readableFlowing is None and client.closed is False and client.errored is None

    def on_readable():
        log.append(('readable', client.readableFlowing))
        while (chunk := client.read(4)) is not None:
            log.append(chunk)
    client.on('readable', on_readable)
    client.on('end', lambda: log.append(('end', client.readableEnded, client.closed)))
    client.on('close', lambda had_error: (log.append(('close', had_error, client.closed,
                                                     client.errored, client.readableAborted)),
                                          server.close()))
    run_loop()
    data = b''.join(x for x in log if isinstance(x, bytes))
    assert data == bytes([0, 0, 0, 5]) + b'helloxyz'
    assert all(len(x) == 4 for x in log if isinstance(x, bytes))
    assert log[0] == ('readable', False)
    assert log[-2:] == [('end', True, False), ('close', False, True, None, False)]


def test_read_of_more_than_buffered_gives_the_rest_at_the_end(listening_server, run_loop):
    # read(n) is None until n bytes are buffered, but once the stream ended
    # it gives what is left (Node's howMuchToRead): Node 20 reads
    # [null, <abc>].
    server, port = serve(listening_server, lambda sock: sock.end(b'abc'))
    client = net.connect(port)
    reads = []

    def on_readable():
        reads.append(client.read(10))
    client.on('readable', on_readable)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert reads == [None, b'abc']


def test_readable_flowing_as_listeners_come_and_go(listening_server, run_loop):
    # Node 20 (n3.js): None; a 'readable' listener: False (isPaused True);
    # removed, still False until the next tick, then None; a 'data'
    # listener: True; pause(): False; resume(): True.
    server, port = serve(listening_server, lambda sock: sock.end('héllo wörld'.encode()))
    client = net.connect(port)
    log = [('new', client.readableFlowing, client.isPaused())]

    def on_readable():
        pass
    client.on('readable', on_readable)
    log.append(('readable added', client.readableFlowing, client.isPaused()))
    client.removeListener('readable', on_readable)
    log.append(('readable removed', client.readableFlowing))

    def next_tick():
        log.append(('tick after removal', client.readableFlowing))
        client.setEncoding('utf8')
        client.on('data', lambda d: log.append(('data', d, client.readableFlowing)))
        log.append(('data added', client.readableFlowing))
        client.pause()
        log.append(('paused', client.readableFlowing, client.isPaused()))
        client.resume()
        log.append(('resumed', client.readableFlowing, client.isPaused()))
    net.nextTick(next_tick)
    client.on('end', lambda: log.append(('end', client.readableEnded, client.readableLength)))
    client.on('close', lambda *_: (log.append(('close', client.closed, client.errored,
                                               client.readableAborted)), server.close()))
    run_loop()
    assert log == [
        ('new', None, False), ('readable added', False, True), ('readable removed', False),
        ('tick after removal', None), ('data added', True), ('paused', False, True),
        ('resumed', True, False), ('data', 'héllo wörld', True), ('end', True, 0),
        ('close', True, None, False)]


def test_set_encoding_keeps_a_character_split_across_reads_whole(listening_server, run_loop):
    # Node 20 (n4.js): '€' sent a byte at a time, read() in 'readable':
    # one string, '€uro'; readableEncoding 'utf8'.
    euro = '€uro'.encode()

    def send(sock):
        sock.write(euro[:1])
        net.setTimeout(lambda: (sock.write(euro[1:2]),
                                net.setTimeout(lambda: sock.end(euro[2:]), 20)), 20)
    server, port = serve(listening_server, send)
    client = net.connect(port)
    client.setEncoding('utf8')
    got = []

    def on_readable():
        while (text := client.read()) is not None:
            got.append(text)
    client.on('readable', on_readable)
    client.on('end', lambda: server.close())
    run_loop()
    assert ''.join(got) == '€uro' and all(isinstance(t, str) for t in got)
    assert client.readableEncoding == 'utf8'


def test_unshift_puts_back_what_a_header_parser_read_too_far(listening_server, run_loop):
    # Node's documented header parser: read until '\n\n', unshift the rest;
    # 'data' then gives the body.
    server, port = serve(listening_server, lambda sock: sock.end(b'a: 1\nb: 2\n\nBODY'))
    client = net.connect(port)
    seen = {}

    def on_readable():
        buf = client.read()
        if buf is None:
            return
        head, _, rest = buf.partition(b'\n\n')
        seen['head'] = head
        client.removeListener('readable', on_readable)
        client.unshift(rest)
        client.on('data', lambda d: seen.setdefault('body', []).append(d))
    client.on('readable', on_readable)
    client.on('end', lambda: server.close())
    run_loop()
    assert seen == {'head': b'a: 1\nb: 2', 'body': [b'BODY']}


def test_destroy_sets_closed_and_errored_at_once(listening_server, run_loop):
    # Node 20 (n2.js): after destroy(err): closed True, errored err,
    # destroyed True; then 'error'(err) and 'close' with readableAborted.
    server, port = serve(listening_server, lambda sock: None)
    client = net.connect(port)
    boom = Exception('boom')
    log = []

    def on_connect():
        client.destroy(boom)
        log.append(('destroyed', client.closed, client.errored is boom, client.destroyed))
    client.on('connect', on_connect)
    client.on('error', lambda e: log.append(('error', e is boom, client.closed)))
    client.on('close', lambda *_: (log.append(('close', client.closed, client.errored is boom,
                                               client.readableAborted)), server.close()))
    run_loop()
    assert log == [('destroyed', True, True, True), ('error', True, True),
                   ('close', True, True, True)]


def test_set_default_high_water_mark_reaches_new_sockets():
    # Node 20: stream.setDefaultHighWaterMark(false, 1000) gives a new
    # Socket 1000 both ways; an explicit highWaterMark still wins; a bad
    # one is the streams' ERR_INVALID_ARG_VALUE.
    before = stream.getDefaultHighWaterMark(False)
    try:
        stream.setDefaultHighWaterMark(False, 1000)
        sock = net.Socket()
        assert (sock.readableHighWaterMark, sock.writableHighWaterMark) == (1000, 1000)
        assert net.Socket({'highWaterMark': 5}).readableHighWaterMark == 5
        with pytest.raises(errors.ERR_OUT_OF_RANGE):
            stream.setDefaultHighWaterMark(False, -1)
    finally:
        stream.setDefaultHighWaterMark(False, before)
    assert net.Socket().readableHighWaterMark == before
    for bad in (-1, 1.5, 'x'):
        with pytest.raises(errors.ERR_INVALID_ARG_VALUE, match='options.readableHighWaterMark'):
            net.Socket({'highWaterMark': bad})


def test_each_side_of_a_socket_takes_its_own_high_water_mark_option():
    # Node 20: new net.Socket({readableHighWaterMark: 10}) reads 10 and
    # writes at the default; writableHighWaterMark the other way round;
    # highWaterMark sets both and wins over either; 0 is a mark.
    default = stream.getDefaultHighWaterMark(False)
    marks = lambda sock: (sock.readableHighWaterMark, sock.writableHighWaterMark)
    assert marks(net.Socket({'readableHighWaterMark': 10})) == (10, default)
    assert marks(net.Socket(writable_high_water_mark=7)) == (default, 7)
    assert marks(net.Socket({'highWaterMark': 5, 'readableHighWaterMark': 9})) == (5, 5)
    assert marks(net.Socket({'readableHighWaterMark': 0})) == (0, default)


@pytest.mark.parametrize('options, named', [
    ({'writableHighWaterMark': -1}, 'options.writableHighWaterMark'),
    # The read side is checked first, as Node's Duplex constructor does.
    ({'readableHighWaterMark': -1, 'writableHighWaterMark': -1}, 'options.readableHighWaterMark'),
    ({'readableHighWaterMark': 1.5}, 'options.readableHighWaterMark'),
])
def test_a_bad_side_high_water_mark_names_its_option(options, named):
    # Node 20: "The property 'options.writableHighWaterMark' is invalid.
    # Received -1" (ERR_INVALID_ARG_VALUE), at construction.
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE, match=named):
        net.Socket(options)


def test_a_connection_made_with_a_readable_high_water_mark_reads_to_it(listening_server, run_loop):
    # Node 20: net.createConnection({port, readableHighWaterMark: 1024})
    # gives a socket whose readableHighWaterMark is 1024 and whose
    # writableHighWaterMark is the default.
    server, port = serve(listening_server, lambda sock: sock.end(b'x' * 4096))
    client = net.createConnection({'port': port, 'host': '127.0.0.1',
                                   'readableHighWaterMark': 1024})
    got = []
    client.on('data', got.append)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert client.readableHighWaterMark == 1024
    assert client.writableHighWaterMark == stream.getDefaultHighWaterMark(False)
    assert b''.join(got) == b'x' * 4096


def test_a_paused_reader_holds_the_mark_plus_one_read(listening_server, run_loop):
    # Paused mode's bound (Node: highWaterMark plus one read): a reader
    # that takes nothing holds at most that; reading it all afterwards
    # gets every byte, in order.
    payload = bytes(range(256)) * 4096          # 1 MiB
    server, port = serve(listening_server, lambda sock: sock.end(payload))
    client = net.connect(port)
    seen = {}
    got = []

    def on_readable():
        if 'held' not in seen:
            return
        while (chunk := client.read()) is not None:
            got.append(chunk)

    def look():
        seen['held'] = client.readableLength
        on_readable()
    client.on('readable', on_readable)
    client.on('connect', lambda: net.setTimeout(look, 200))
    client.on('end', lambda: server.close())
    run_loop()
    assert 0 < seen['held'] <= client.readableHighWaterMark + 64 * 1024
    assert b''.join(got) == payload


def test_read_zero_asks_for_data_without_taking_any(listening_server, run_loop):
    # Node 20: read(0) at 'connect' is null (readableFlowing false once a
    # 'readable' listener is there); the once 'readable' finds 2 bytes and
    # read() takes them; 'end' follows.
    server, port = serve(listening_server, lambda sock: sock.end(b'hi'))
    client = net.connect(port)
    seen = []
    client.on('connect', lambda: seen.extend([client.read(0), client.readableFlowing]))
    client.once('readable', lambda: seen.extend([client.readableLength, client.read()]))
    client.on('close', lambda *_: server.close())
    run_loop()
    assert seen == [None, False, 2, b'hi']
    assert client.readableEnded


def test_data_that_waited_in_c_moves_into_the_read_buffer(listening_server, run_loop):
    # A socket paused in C (its bytes in the C read queue) whose Readable
    # API is taken later: read() gives every byte that waited, in order.
    # Node 20: ['first', 10, '012', '3456789'].
    def send(sock):
        sock.write(b'first')
        net.setTimeout(lambda: sock.end(b'0123456789'), 50)
    server, port = serve(listening_server, send)
    client = net.connect(port)
    got = []

    def first(chunk):
        got.append(chunk)
        client.pause()
        client.removeListener('data', first)

    def later():
        got.extend([client.readableLength, client.read(3), client.read()])
        client.resume()
    client.on('data', first)
    net.setTimeout(later, 150)
    client.on('end', lambda: server.close())
    run_loop()
    assert got == [b'first', 10, b'012', b'3456789']


def test_push_adds_to_the_read_buffer_as_a_read_would(listening_server, run_loop):
    # Node's socket.push(): Readable's, into the same buffer.
    server, port = serve(listening_server, lambda sock: sock.end(b'b'))
    client = net.connect(port)
    client.push(b'a')
    got = []
    client.on('data', got.append)
    client.on('end', lambda: server.close())
    run_loop()
    assert b''.join(got) == b'ab'


def test_async_for_reads_a_socket_to_its_end(listening_server, arun):
    # Node 20: for await (const chunk of socket) gets every byte, then ends.
    async def main():
        async with aio.attach():
            server, port = serve(listening_server, lambda sock: sock.end(b'z' * 200000))
            client = net.connect(port)
            got = [chunk async for chunk in client]
            assert b''.join(got) == b'z' * 200000
            assert client.readableEnded
            server.close()
    arun(main)


def sockets_alive():
    return sum(1 for obj in gc.get_objects() if isinstance(obj, net.Socket))


def test_piped_sockets_are_freed_at_close_without_gc(listening_server, run_loop):
    # The server pipes each connection to itself; the client pipes what
    # comes back into a second connection, whose server reads and drops.
    # (pipe()'s listeners hold no cycle once it cleaned up: issue 68.)
    sink_server, sink_port = serve(listening_server, lambda sock: sock.resume())
    server, port = serve(listening_server, lambda sock: sock.pipe(sock))
    gc.collect()
    before = sockets_alive()
    gc.disable()
    try:
        client = net.connect(port, '127.0.0.1')
        client.end(b'z' * 200000)
        sink = net.connect(sink_port, '127.0.0.1')
        client.pipe(sink)
        sink.on('close', lambda *_: (server.close(), sink_server.close()))
        del client, sink
        run_loop()
        assert sockets_alive() == before
    finally:
        gc.enable()
