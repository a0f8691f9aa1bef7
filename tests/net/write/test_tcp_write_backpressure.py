"""The write path under load: write()'s return value and 'drain' at
writableHighWaterMark (as Node 20: counted after the kernel was offered
the write; 'drain' never from inside write()), writableLength and
bufferSize, buffers the caller changes after write(), many small writes,
a huge write to a slow reader, a paused reader, and the write-until-False,
go-on-at-'drain' loop."""
import hashlib
import os
import random

import pyuvnet as net
from tcp_write_support import connect, sink_server


# -- high water mark and 'drain' ------------------------------------------------

def test_write_returns_false_at_high_water_mark_then_drain(listening_server, run_loop):
    # Node 20 (highWaterMark 65536, corked): true, false, false with
    # writableLength 65537; uncork() hands it all over: 0, then one 'drain'.
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    seen = {}

    def on_connect():
        assert client.writableHighWaterMark == 65536
        client.cork()
        seen['below'] = client.write(b'a' * 65535)
        seen['need_drain_before'] = client.writableNeedDrain
        seen['at'] = client.write(b'b')              # 65536 buffered: full
        seen['over'] = client.write(b'c')
        seen['need_drain'] = client.writableNeedDrain
        seen['length'] = client.writableLength
        client.uncork()
        seen['uncorked'] = client.writableLength
    drains = []

    def on_drain():
        drains.append((client.writableLength, client.writableNeedDrain))
        client.end()
    client.on('connect', on_connect)
    client.on('drain', on_drain)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == {'below': True, 'need_drain_before': False, 'at': False, 'over': False,
                    'need_drain': True, 'length': 65537, 'uncorked': 0}
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
        # Node 20: the kernel takes each write at once: true, true.  Held
        # by cork(), the mark counts: true, false, 'drain' after uncork().
        seen.append(client.writableHighWaterMark)
        seen.append((client.write(b'x' * 99), client.write(b'x')))
        client.cork()
        seen.append((client.write(b'x' * 99), client.write(b'x')))
        client.uncork()
    client.on('connect', on_connect)
    client.on('drain', client.end)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == [100, (True, True), (True, False)]
    assert len(b''.join(received)) == 200


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
    # Node 20: [['after write', 0, 0], ['cb', 0, 0], ['finish', 0, 0]]
    # (its write() handed the chunk to the kernel); asked, pyuvnet's
    # gathered write goes at once too.
    assert seen == [('after write', 0, 0), ('cb', 0, 0), ('finish', 0, 0)]


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


def test_a_large_write_the_kernel_takes_whole_answers_true_and_emits_nothing(
        listening_server, run_loop):
    # Node 20: write(200000 bytes) at 'connect' to a peer that reads ->
    # true, writableLength 0, no 'drain' (the kernel took it inside
    # write()).  Should the kernel take only part, the whole chunk counts:
    # False, and 'drain' comes later, never from inside write().
    received = []
    server, port = sink_server(listening_server, received)
    client = connect(port)
    events = []
    inside_write = [False]

    def on_connect():
        inside_write[0] = True
        ok = client.write(b'x' * 200000)
        inside_write[0] = False
        events.append(('returned', ok, client.writableLength in (0, 200000)))
        net.setTimeout(client.end, 50)
    client.on('connect', on_connect)
    client.on('drain', lambda: events.append(('drain', inside_write[0])))
    client.on('close', lambda _: server.close())
    run_loop()
    if events[0][1]:
        assert events == [('returned', True, True)]
    else:
        assert events == [('returned', False, True), ('drain', False)]
    assert b''.join(received) == b'x' * 200000


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
