"""The write path: return values and 'drain' at writableHighWaterMark,
buffers the caller changes after write(), many small writes, a huge write
to a slow reader, cork/uncork, writableLength/bufferSize, write callbacks,
encodings, end() and destroySoon()."""
import hashlib
import os
import random

import pytest

import pyuvnet as net
from pyuvnet import errors


def connect(port, *args):
    """A client that also consumes what it is sent (so that it sees the
    server's FIN and closes)."""
    client = net.connect(port, '127.0.0.1', *args)
    client.resume()
    return client


def sink_server(listening_server, received, **options):
    """A server that collects everything it reads into ``received`` (a list)
    and ends its side when the client ends."""
    def on_connection(sock):
        sock.on('data', received.append)
    return listening_server(on_connection, **options)


# -- high water mark and 'drain' ------------------------------------------------

def test_write_returns_false_at_high_water_mark_then_drain(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    seen = {}

    def on_connect():
        assert client.writableHighWaterMark == 65536
        seen['below'] = client.write(b'a' * 65535)
        seen['need_drain_before'] = client.writableNeedDrain
        seen['at'] = client.write(b'b')              # 65536 buffered: full
        seen['over'] = client.write(b'c')
        seen['need_drain'] = client.writableNeedDrain
        seen['length'] = client.writableLength
    drains = []

    def on_drain():
        drains.append((client.writableLength, client.writableNeedDrain))
        client.end()
    client.on('connect', on_connect)
    client.on('drain', on_drain)
    client.on('close', lambda _: server.close())
    run_loop()
    # 'b' makes 64 KiB buffered: False (SPEC §5), and 'drain' is owed.  That
    # much data leaves inside write() (Node sends every write at once), so
    # 'c' finds the buffer empty again.
    assert seen == {'below': True, 'need_drain_before': False, 'at': False, 'over': True,
                    'need_drain': True, 'length': 1}
    assert drains == [(0, False)]
    assert b''.join(received) == b'a' * 65535 + b'bc'


def test_no_drain_when_write_never_returned_false(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    drains = []
    client = connect(port)
    client.on('drain', lambda: drains.append(1))

    def on_connect():
        assert client.write(b'small') is True
        net.setTimeout(client.end, 30)
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop()
    assert drains == []
    assert b''.join(received) == b'small'


def test_high_water_mark_socket_option(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = net.connect({'port': port, 'host': '127.0.0.1', 'highWaterMark': 100})
    seen = []

    def on_connect():
        seen.append(client.writableHighWaterMark)
        seen.append(client.write(b'x' * 99))
        seen.append(client.write(b'x'))
    client.on('connect', on_connect)
    client.on('drain', client.end)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [100, True, False]
    assert len(b''.join(received)) == 100


def test_write_before_connect_is_buffered_and_counts_toward_high_water_mark(listening_server,
                                                                             run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    # Still connecting: the data waits in our buffer.
    assert client.write(b'q' * 1000) is True
    assert client.writableLength == 1000
    assert client.bufferSize == 1000
    assert client.write(b'r' * 70000) is False
    assert client.writableLength == 71000
    drained = []
    client.on('drain', lambda: (drained.append(client.writableLength), client.end()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert drained == [0]
    assert b''.join(received) == b'q' * 1000 + b'r' * 70000


def test_writable_length_and_buffer_size_return_to_zero(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    seen = []

    def on_connect():
        client.write(b'12345', lambda *a: seen.append(('cb', client.writableLength, client.bufferSize)))
        seen.append(('after write', client.writableLength, client.bufferSize))
    client.on('connect', on_connect)
    client.on('finish', lambda: seen.append(('finish', client.writableLength, client.bufferSize)))
    net.setTimeout(lambda: client.end(), 50)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [('after write', 5, 5), ('cb', 0, 0), ('finish', 0, 0)]


# -- buffers the caller changes after write() ----------------------------------------

def test_bytearray_changed_after_write_does_not_change_what_is_sent(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    buf = bytearray(b'original')
    client.write(buf)            # still connecting: it stays queued a while
    buf[:] = b'CHANGED!'
    big = bytearray(b'A' * 200000)

    def on_connect():
        client.write(big)
        big[:] = b'B' * 200000
        buf2 = bytearray(b'second')
        client.write(buf2)
        buf2[0:6] = b'XXXXXX'
        client.end()
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(received) == b'original' + b'A' * 200000 + b'second'


def test_memoryview_changed_after_write_does_not_change_what_is_sent(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    backing = bytearray(b'0123456789')
    view = memoryview(backing)[2:8]
    client.write(view)
    backing[:] = b'abcdefghij'

    def on_connect():
        client.write(memoryview(backing), None, lambda *a: None)
        backing[:] = b'----------'
        client.end(memoryview(b'end'))
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(received) == b'234567' + b'abcdefghij' + b'end'


# -- volume ---------------------------------------------------------------------------

def test_one_mib_in_ten_thousand_small_writes_arrives_intact_and_in_order(listening_server,
                                                                          run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    data = os.urandom(1 << 20)
    rnd = random.Random(1234)
    cuts = sorted(rnd.sample(range(1, len(data)), 9999))
    pieces = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
    assert len(pieces) == 10000
    client = connect(port)

    def on_connect():
        for i, piece in enumerate(pieces):
            # A mix of the accepted chunk types.
            client.write(bytearray(piece) if i % 3 == 1 else piece)
        client.end()
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop(timeout=20)
    got = b''.join(received)
    assert len(got) == len(data)
    assert got == data
    assert client.bytesWritten == len(data)


def test_many_small_writes_each_with_a_callback(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    called = []

    def on_connect():
        for i in range(2000):
            client.write(b'%05d' % i, lambda err, _i=i: called.append((_i, err)))
        client.end()
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop(timeout=20)
    assert [i for i, _ in called] == list(range(2000))
    assert all(err is None for _, err in called)
    assert b''.join(received) == b''.join(b'%05d' % i for i in range(2000))


def test_64_mib_write_to_a_slow_reader_stays_bounded_and_delivers_everything(listening_server,
                                                                            run_loop):
    total = 64 << 20
    block = os.urandom(1 << 20)
    data = block * 64
    expected = hashlib.sha1(data).hexdigest()
    state = {'n': 0, 'max_paused_buffer': 0, 'pauses': 0, 'digest': hashlib.sha1()}
    bound = 256 * 1024

    def on_connection(sock):
        def on_data(chunk):
            state['n'] += len(chunk)
            state['digest'].update(chunk)

        def toggle():
            if sock.isPaused():
                state['max_paused_buffer'] = max(state['max_paused_buffer'], sock.readableLength)
                sock.resume()
            else:
                state['pauses'] += 1
                sock.pause()

        sock.on('data', on_data)          # paused by pauseOnConnect: no flow yet
        ticker = net.setInterval(toggle, 10)
        sock.on('end', lambda: (net.clearInterval(ticker), sock.end()))

    server, port = listening_server(on_connection, pauseOnConnect=True)
    client = connect(port)
    results = {}

    def on_connect():
        results['write'] = client.write(data, lambda err: results.setdefault('cb', err))
    client.on('connect', on_connect)
    client.on('drain', lambda: (results.setdefault('drain_length', client.writableLength),
                                client.end()))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop(timeout=40)
    assert results['write'] is False
    assert 'cb' in results and results['cb'] is None
    assert results['drain_length'] == 0
    assert state['n'] == total
    assert state['digest'].hexdigest() == expected
    assert state['pauses'] >= 1
    assert state['max_paused_buffer'] <= bound


def test_paused_reader_stops_reading_at_its_high_water_mark(listening_server, run_loop):
    seen = {}

    def on_connection(sock):
        sock.pause()

        def look():
            seen['readableLength'] = sock.readableLength
            seen['bytesRead'] = sock.bytesRead
            seen['writer still holds'] = client.writableLength
            sock.destroy()
            server.close()
        net.setTimeout(look, 150)

    server, port = listening_server(on_connection)
    client = connect(port)
    client.on('connect', lambda: client.write(b'\0' * (16 << 20)))
    client.on('error', lambda e: None)
    run_loop()
    # Nothing is consumed: the reader buffers at most about one high water
    # mark (plus one read); the rest waits in the kernel and with the writer.
    assert 0 <= seen['readableLength'] <= 256 * 1024
    assert seen['bytesRead'] <= 256 * 1024
    assert seen['writer still holds'] > 0


# -- cork / uncork ------------------------------------------------------------------

def test_cork_holds_writes_until_uncork(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    seen = {}

    def on_connect():
        client.cork()
        client.write(b'a')
        client.write(b'b')
        seen['corked'] = client.writableCorked

        def later():
            seen['while corked'] = b''.join(received)
            client.uncork()
            seen['after uncork'] = client.writableCorked
            net.setTimeout(client.end, 30)
        net.setTimeout(later, 60)
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == {'corked': 1, 'while corked': b'', 'after uncork': 0}
    assert b''.join(received) == b'ab'


def test_nested_cork_needs_as_many_uncorks(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    seen = {}

    def on_connect():
        client.cork()
        client.cork()
        client.write(b'xy')
        client.uncork()

        def check():
            seen['after one uncork'] = b''.join(received)
            client.uncork()
            net.setTimeout(client.end, 30)
        net.setTimeout(check, 60)
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen['after one uncork'] == b''
    assert b''.join(received) == b'xy'


def test_end_while_corked_sends_everything(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)

    def on_connect():
        client.cork()
        client.write(b'held ')
        client.end(b'and ended')
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(received) == b'held and ended'


# -- write callbacks ------------------------------------------------------------------

def test_write_callback_runs_after_the_data_left_the_buffer(listening_server, run_loop):
    size = 16 << 20
    state = {}

    def on_connection(sock):
        state['server'] = sock
        sock.on('data', lambda d: None)

    server, port = listening_server(on_connection, pauseOnConnect=True)
    client = connect(port)

    def on_write_done(*args):
        state['cb_args'] = args
        state['writableLength_at_cb'] = client.writableLength
        state['server_read_at_cb'] = state['server'].bytesRead
        client.end()

    def check_then_let_the_reader_read():
        if 'server' not in state:       # not accepted yet: a loaded machine
            net.setTimeout(check_then_let_the_reader_read, 10)
            return
        state.setdefault('called_at_100ms', 'cb_args' in state)
        state['server'].resume()

    def on_connect():
        client.write(b'\1' * size, on_write_done)
        net.setTimeout(check_then_let_the_reader_read, 100)
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop(timeout=20)
    # Nothing read the 16 MiB before the check: they cannot have left.
    assert state['called_at_100ms'] is False
    assert state['cb_args'] in ((), (None,))
    assert state['writableLength_at_cb'] == 0
    assert state['server_read_at_cb'] > 0


def test_write_callback_argument_is_none_on_success(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    got = []
    client = connect(port)
    client.on('connect', lambda: client.write('ok', 'utf8', lambda *a: (got.append(a), client.end())))
    client.on('close', lambda _: server.close())
    run_loop()
    assert got in ([(None,)], [()])


def test_write_after_end_errors_through_callback_and_error_event(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    log = []
    client = connect(port)

    def on_connect():
        client.end(b'last')
        ret = client.write(b'too late', lambda *a: log.append(('cb', a)))
        log.append(('returned', ret))
    client.on('connect', on_connect)
    client.on('error', lambda err: log.append(('error', err)))
    client.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop()
    assert log[0] == ('returned', False)
    cb = [a for n, a in log if n == 'cb']
    errs = [e for n, e in log if n == 'error']
    assert len(cb) == 1 and cb[0][0].code == 'ERR_STREAM_WRITE_AFTER_END'
    assert isinstance(cb[0][0], errors.ERR_STREAM_WRITE_AFTER_END)
    assert isinstance(cb[0][0], RuntimeError) and isinstance(cb[0][0], net.NodeError)
    assert len(errs) == 1 and errs[0].code == 'ERR_STREAM_WRITE_AFTER_END'
    assert log[-1] == ('close', True)
    assert b''.join(received) == b'last'


def test_write_after_destroy_calls_back_with_err_stream_destroyed_without_error_event(
        listening_server, run_loop):
    server, port = listening_server()
    log = []
    client = connect(port)

    def on_connect():
        client.destroy()
        ret = client.write(b'x', lambda *a: log.append(('cb', a)))
        log.append(('returned', ret))
    client.on('connect', on_connect)
    client.on('error', lambda err: log.append(('error', err)))
    client.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop()
    assert log[0] == ('returned', False)
    cb = [a for n, a in log if n == 'cb']
    assert len(cb) == 1 and cb[0][0].code == 'ERR_STREAM_DESTROYED'
    assert [n for n, _ in log if n == 'error'] == []
    assert ('close', False) in log


def test_write_on_a_never_connected_socket_is_err_socket_closed(run_loop):
    sock = net.Socket()
    log = []
    sock.on('error', lambda err: log.append(('error', err.code)))
    sock.on('close', lambda *a: log.append('close'))
    ret = sock.write(b'nowhere', lambda err: log.append(('cb', err.code)))
    assert ret is False
    assert log == []
    run_loop()
    assert ('cb', 'ERR_SOCKET_CLOSED') in log
    assert ('error', 'ERR_SOCKET_CLOSED') in log
    assert log.index(('cb', 'ERR_SOCKET_CLOSED')) < log.index(('error', 'ERR_SOCKET_CLOSED'))


def test_pending_write_callbacks_get_an_error_when_destroyed_before_connect(listening_server,
                                                                           run_loop):
    # Node (test-net-write-cb-on-destroy-before-connect): the callback gets
    # ERR_SOCKET_CLOSED_BEFORE_CONNECTION; there is no 'error' event.
    server, port = listening_server()
    log = []
    client = connect(port)
    client.write(b'queued', lambda *a: log.append(a))
    client.on('error', lambda err: log.append(('error', err)))
    client.on('connect', lambda: log.append('connect'))
    client.destroy()
    client.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop()
    assert len(log) == 2
    assert log[0][0] is not None and log[0][0].code == 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION'
    assert log[1] == ('close', False)


def test_writing_again_on_each_drain_moves_a_lot_of_data(listening_server, run_loop):
    # The classic backpressure loop: write until write() returns False,
    # continue on 'drain'.
    received = [0]
    digest_in = []

    def on_connection(sock):
        sock.on('data', lambda d: (received.__setitem__(0, received[0] + len(d)),
                                   digest_in.append(d)))
    server, port = listening_server(on_connection)
    chunk = os.urandom(16384)
    rounds = {'falses': 0, 'drains': 0, 'sent': 0}
    goal = 24 << 20
    client = connect(port)

    def pump():
        while rounds['sent'] < goal:
            rounds['sent'] += len(chunk)
            if not client.write(chunk):
                rounds['falses'] += 1
                return
        client.end()

    def on_drain():
        rounds['drains'] += 1
        pump()
    client.on('connect', pump)
    client.on('drain', on_drain)
    client.on('close', lambda _: server.close())
    run_loop(timeout=30)
    assert received[0] == goal
    assert rounds['falses'] >= 1
    # Each False is followed by exactly one 'drain' (unless end() came first).
    assert rounds['drains'] in (rounds['falses'], rounds['falses'] - 1)
    assert hashlib.sha1(b''.join(digest_in)).digest() == hashlib.sha1(chunk * (goal // len(chunk))).digest()


# -- data types and encodings ------------------------------------------------------

@pytest.mark.parametrize('args, expected', [
    (('héllo',), 'héllo'.encode('utf-8')),
    (('héllo', 'utf8'), 'héllo'.encode('utf-8')),
    (('héllo', 'utf-8'), 'héllo'.encode('utf-8')),
    (('héllo', 'latin1'), 'héllo'.encode('latin-1')),
    (('héllo', 'binary'), 'héllo'.encode('latin-1')),
    (('hello', 'ascii'), b'hello'),
    (('deadBEEF', 'hex'), b'\xde\xad\xbe\xef'),
    (('aGVsbG8=', 'base64'), b'hello'),
    (('-_8', 'base64url'), b'\xfb\xff'),
    (('hé', 'utf16le'), 'hé'.encode('utf-16-le')),
    (('hé', 'ucs2'), 'hé'.encode('utf-16-le')),
    ((b'raw',), b'raw'),
    ((bytearray(b'ba'),), b'ba'),
    ((memoryview(b'mv'),), b'mv'),
])
def test_write_accepts_node_chunk_types_and_encodings(listening_server, run_loop, args, expected):
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    client.on('connect', lambda: (client.write(*args), client.end()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(received) == expected


@pytest.mark.parametrize('args, code, builtin', [
    ((123,), 'ERR_INVALID_ARG_TYPE', TypeError),
    ((1.5,), 'ERR_INVALID_ARG_TYPE', TypeError),
    (({'a': 1},), 'ERR_INVALID_ARG_TYPE', TypeError),
    ((['x'],), 'ERR_INVALID_ARG_TYPE', TypeError),
    ((object(),), 'ERR_INVALID_ARG_TYPE', TypeError),
    ((None,), 'ERR_STREAM_NULL_VALUES', TypeError),
    (('x', 'no-such-encoding'), 'ERR_UNKNOWN_ENCODING', LookupError),
    ((b'x', None, 'not callable'), 'ERR_INVALID_ARG_TYPE', TypeError),
], ids=['int', 'float', 'dict', 'list', 'object', 'None', 'unknown-encoding', 'bad-callback'])
def test_bad_write_arguments_raise_at_once_with_nodes_code(listening_server, run_loop,
                                                           args, code, builtin):
    server, port = listening_server()
    client = connect(port)
    with pytest.raises(net.NodeError) as info:
        client.write(*args)
    assert info.value.code == code
    assert isinstance(info.value, builtin)
    client.destroy()
    server.close()
    run_loop()


def test_empty_write_is_fine_and_calls_back(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    got = []
    client = connect(port)
    client.on('connect', lambda: (client.write(b'', lambda *a: got.append('cb')),
                                  client.write(''), client.end(b'!')))
    client.on('close', lambda _: server.close())
    run_loop()
    assert got == ['cb']
    assert b''.join(received) == b'!'


# -- end() and destroySoon() ---------------------------------------------------------

def test_end_with_data_and_callback(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    log = []
    client = connect(port)
    client.on('connect', lambda: log.append(('end returns socket', client.end('fin', 'utf8',
                                                                             lambda *a: log.append('cb')) is client)))
    client.on('finish', lambda: log.append('finish'))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert log[0] == ('end returns socket', True)
    assert sorted(log[1:]) == ['cb', 'finish']
    assert b''.join(received) == b'fin'


def test_end_twice_is_harmless(listening_server, run_loop):
    received = []
    server, port = sink_server(listening_server, received)
    errs = []
    client = connect(port)
    client.on('connect', lambda: (client.end(b'once'), client.end()))
    client.on('error', errs.append)
    client.resume()
    client.on('close', lambda had_error: server.close())
    run_loop()
    assert errs == []
    assert b''.join(received) == b'once'


def test_end_before_connect_sends_queued_data_then_fin(listening_server, run_loop):
    received = []
    ended = []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.on('end', lambda: ended.append(True))
    server, port = listening_server(on_connection)
    client = connect(port)
    client.write(b'early ')
    client.end(b'bird')
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(received) == b'early bird'
    assert ended == [True]


def test_destroy_soon_flushes_queued_data_before_closing(listening_server, run_loop):
    received = []
    ended = []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.on('end', lambda: ended.append(True))
    server, port = listening_server(on_connection)
    payload = os.urandom(3 << 20)
    client = connect(port)
    log = []

    def on_connect():
        client.write(payload)
        client.destroySoon()
        log.append(('writableEnded', client.writableEnded, client.destroyed))
    client.on('connect', on_connect)
    client.on('finish', lambda: log.append('finish'))
    client.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop(timeout=20)
    assert log[0] == ('writableEnded', True, False)
    assert log[1:] == ['finish', ('close', False)]
    assert b''.join(received) == payload
    assert ended == [True]


def test_destroy_soon_on_a_finished_socket_destroys_it(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.resume())
    log = []
    client = net.connect(port, '127.0.0.1', lambda: client.end())
    client.on('finish', lambda: (client.destroySoon(), log.append(client.destroyed)))
    client.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop()
    assert log == [True, ('close', False)]


def test_data_written_just_before_destroy_on_a_connected_socket_is_sent(listening_server, run_loop):
    # Node hands a write on a connected socket to the kernel at once
    # (try-write), so write() followed by destroy() still delivers it; only
    # what could not be written yet is discarded.
    received = []
    ended = []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.on('end', lambda: ended.append(True))
    server, port = listening_server(on_connection)
    client = connect(port)
    client.on('connect', lambda: (client.write(b'final words'), client.destroy()))
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(received) == b'final words'


def test_a_large_write_that_leaves_at_once_still_emits_nothing_inside_write(
        listening_server, run_loop):
    # 64 KiB or more leaves inside write(); its 'drain' still comes later.
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    events = []
    inside_write = [False]

    def on_connect():
        inside_write[0] = True
        ok = client.write(b'x' * 200000)
        inside_write[0] = False
        events.append(('returned', ok))

    def on_drain():
        events.append(('drain', inside_write[0]))
        client.end()
    client.on('connect', on_connect)
    client.on('drain', on_drain)
    client.on('close', lambda _: server.close())
    run_loop()
    assert events == [('returned', False), ('drain', False)]
    assert b''.join(received) == b'x' * 200000
