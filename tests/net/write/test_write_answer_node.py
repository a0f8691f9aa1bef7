"""write()'s answer, writableLength and 'drain' as Node 20 gives them: the
answer counts what the kernel has not taken once the write was offered to
it (Node's writeOrBuffer looks at state.length after _write), a chunk the
kernel took part of counts whole until all of it left, and a write's
callback never runs inside write().  pyuvnet gathers writes that stay
under the mark into one writev per turn (their answer is True either way);
asked, writableLength sends them first, so that it reads as Node's, 0.

The oracle, run under /usr/bin/node (v20.20) against a loopback server
that reads (``s.resume()``) or not (``pauseOnConnect``), highWaterMark
65536 as pyuvnet's, logging [n, write() answer, writableLength,
writableNeedDrain] per write, and each event:

    const c = net.connect({port, host: '127.0.0.1', highWaterMark: 65536});
    c.on('connect', () => { for (const n of [100, 65535, 65536, 200000, 1 << 20])
                              w(n); });
    // [100,true,0,false] [65535,true,0,false] ... [1048576,true,0,false]; no 'drain'
    // at 'connect', w(100000, cb); nextTick(tick); w(10, cb2):
    // [100000,true,0,false] [10,true,0,false] 'returned' cb tick cb2
    // paused peer, 60000-byte writes until false: 65 x [60000,true,0,false],
    // [60000,true,60000,false], [60000,false,120000,true]
    // paused peer: w(16 << 20) -> [16777216,false,16777216,true];
    //   w(10) -> [10,false,16777226,true]
    // w(100000, cb); c.end(): [100000,true,0,false] ended 0, cb, finish, close
    // a peer that resets while 32 MiB wait: false, false, 'error' ECONNRESET,
    //   [cb, null], [cb2, ECONNRESET], 'close'
"""
import pyuvnet as net
from tcp_write_support import connect


def run_client(listening_server, run_loop, on_connect, paused=False, reset=False):
    """A client of a server that reads (or, ``paused``, does not; or,
    ``reset``, resets the connection after 50 ms) running
    ``on_connect(client, log)``; returns the log of its writes and events."""
    log = []

    def on_connection(sock):
        sock.on('error', lambda err: None)
        if reset:
            net.setTimeout(sock.resetAndDestroy, 50)
        elif not paused:
            sock.resume()
    server, port = listening_server(on_connection, pauseOnConnect=paused or reset)
    client = connect(port)
    client.on('drain', lambda: log.append(('drain', client.writableLength)))
    client.on('error', lambda err: log.append(('error', err.code)))
    client.on('finish', lambda: log.append('finish'))
    client.on('close', lambda _: (log.append('close'), server.close()))
    client.on('connect', lambda: on_connect(client, log))
    net.setTimeout(client.destroy, 300)
    run_loop(timeout=20)
    return log


def write(client, log, size, callback=None):
    answer = client.write(bytes(size), callback) if callback else client.write(bytes(size))
    log.append((size, answer, client.writableLength, client.writableNeedDrain))
    return answer


def test_writes_the_kernel_takes_whole_answer_true_with_no_drain(listening_server, run_loop):
    def on_connect(client, log):
        for size in (100, 65535, 65536, 200000, 1 << 20):
            write(client, log, size)
    log = run_client(listening_server, run_loop, on_connect)
    # The 100 bytes wait for the turn's writev, until writableLength is
    # asked: then they go (Node: 0); the 65535 reach the mark and are
    # offered to the kernel at once, which takes them: 0, as every later one.
    assert log == [(100, True, 0, False), (65535, True, 0, False),
                   (65536, True, 0, False), (200000, True, 0, False),
                   (1 << 20, True, 0, False), 'close']


def test_a_write_that_reaches_the_mark_sends_what_was_gathered_with_it(listening_server,
                                                                      run_loop):
    # Node 20: 65535, 1, 1 -> true, true, true (writableLength 0 each).
    def on_connect(client, log):
        for size in (65535, 1, 1):
            write(client, log, size)
    log = run_client(listening_server, run_loop, on_connect)
    assert log == [(65535, True, 0, False), (1, True, 0, False), (1, True, 0, False),
                   'close']


def test_a_chunk_the_kernel_took_part_of_counts_whole(listening_server, run_loop):
    # Node 20 against a peer that does not read: the kernel takes a few
    # MiB; the 60000-byte write it takes part of answers true with all
    # 60000 counted, the next one false with 120000.
    def on_connect(client, log):
        count = 0
        while write(client, log, 60000) and count < 1000:
            count += 1
        net.setTimeout(lambda: log.append(('later', client.writableLength)), 50)
    log = run_client(listening_server, run_loop, on_connect, paused=True)
    writes = [entry for entry in log if type(entry[0]) is int]
    assert writes[-2:] == [(60000, True, 60000, False), (60000, False, 120000, True)]
    assert all(answer for _, answer, _, _ in writes[:-1])
    assert 10 < len(writes) < 1000
    assert log[len(writes):] == [('later', 120000), 'close']


def test_a_large_write_to_a_peer_that_does_not_read_counts_all_of_it(listening_server,
                                                                     run_loop):
    def on_connect(client, log):
        write(client, log, 16 << 20)
        write(client, log, 10)
    log = run_client(listening_server, run_loop, on_connect, paused=True)
    assert log == [(16 << 20, False, 16 << 20, True), (10, False, (16 << 20) + 10, True),
                   'close']


def test_drain_follows_once_a_paused_peer_reads_everything(listening_server, run_loop):
    # Node 20: false, then one 'drain' with nothing left, every byte there.
    received, log = [], []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.pause()
        net.setTimeout(sock.resume, 50)
    server, port = listening_server(on_connection)
    client = connect(port)
    client.on('connect', lambda: log.append(client.write(bytes(16 << 20))))
    client.on('drain', lambda: (log.append(('drain', client.writableLength)), client.end()))
    client.on('close', lambda _: server.close())
    run_loop(timeout=20)
    assert log == [False, ('drain', 0)]
    assert sum(map(len, received)) == 16 << 20


def test_callbacks_of_writes_sent_inside_write_run_on_the_next_tick(listening_server,
                                                                    run_loop):
    def on_connect(client, log):
        write(client, log, 100000, lambda err: log.append(('cb', err)))
        net.nextTick(lambda: log.append('tick'))
        write(client, log, 10, lambda err: log.append(('cb2', err)))
        log.append('returned')
    log = run_client(listening_server, run_loop, on_connect)
    # Node's order and figures (the 10 bytes go when writableLength is asked).
    assert log == [(100000, True, 0, False), (10, True, 0, False), 'returned',
                   ('cb', None), 'tick', ('cb2', None), 'close']


def test_end_right_after_a_write_the_kernel_took(listening_server, run_loop):
    def on_connect(client, log):
        write(client, log, 100000, lambda err: log.append(('cb', err)))
        client.end()
        log.append(('ended', client.writableLength))
    log = run_client(listening_server, run_loop, on_connect)
    assert log == [(100000, True, 0, False), ('ended', 0), ('cb', None), 'finish', 'close']


def test_end_right_after_a_write_a_paused_peer_holds(listening_server, run_loop):
    def on_connect(client, log):
        write(client, log, 16 << 20, lambda err: log.append(('cb', err)))
        client.end()
        log.append(('ended', client.writableLength))
    log = run_client(listening_server, run_loop, on_connect, paused=True)
    # Node 20 the same; destroyed at 300 ms with the data still waiting:
    # no 'finish', and the callback hears of it before 'close'.
    assert log[:2] == [(16 << 20, False, 16 << 20, True), ('ended', 16 << 20)]
    assert log[-1] == 'close' and 'finish' not in log


def test_a_peer_reset_while_a_large_write_waits_errors_then_closes(listening_server,
                                                                   run_loop):
    def on_connect(client, log):
        write(client, log, 32 << 20, lambda err: log.append(('cb', err)))
        write(client, log, 10, lambda err: log.append(('cb2', err.code)))
    log = run_client(listening_server, run_loop, on_connect, reset=True)
    assert log[:2] == [(32 << 20, False, 32 << 20, True), (10, False, (32 << 20) + 10, True)]
    # 'error' first, both callbacks, then 'close', and nothing after it
    # (no 'drain': the data never left).  As Node's: the write libuv was
    # on calls back with None, the one behind it with the destroy's error.
    assert log[2] == ('error', 'ECONNRESET')
    assert log[3:] == [('cb', None), ('cb2', 'ECONNRESET'), 'close']


def test_destroy_with_a_large_write_waiting_calls_each_callback_once(listening_server,
                                                                     run_loop):
    # Node 20: [cb, null], [cb2, ERR_STREAM_DESTROYED], close.
    def on_connect(client, log):
        write(client, log, 32 << 20, lambda err: log.append(('cb', err)))
        write(client, log, 10, lambda err: log.append(('cb2', err.code)))
        net.setTimeout(client.destroy, 50)
    log = run_client(listening_server, run_loop, on_connect, paused=True)
    assert log[2:] == [('cb', None), ('cb2', 'ERR_STREAM_DESTROYED'), 'close']
