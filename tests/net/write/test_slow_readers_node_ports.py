"""A socket writing to a peer that reads slowly or goes away, ported from
Node's own tests: writes in a 'drain' loop keep their buffers while the
GC runs (test-net-write-fully-async-buffer.js), every write's callback
and 'finish' come to a reader that pauses after each chunk
(test-net-write-slow.js), and a peer that resets fails the writes still
queued, then 'error' and 'close' (test-net-stream.js)."""
import gc

import pyuvnet as net


def test_writes_in_a_drain_loop_survive_collections(listening_server, run_loop):
    # Node's test-net-write-fully-async-buffer.js, with fewer rounds: each
    # round writes fresh copies until write() answers False, collects, and
    # waits for 'drain'.  Every byte arrives.
    data = bytes(range(256)) * 400
    received = []

    def on_connection(sock):
        sock.on('data', lambda chunk: received.append(len(chunk)))
    server, port = listening_server(on_connection)
    sent = []
    conn = net.connect(port, '127.0.0.1')

    def write_loop():
        if len(sent) >= 400:
            conn.end()
            server.close()
            return
        while True:
            sent.append(len(data))
            if not conn.write(bytes(bytearray(data))):
                break
        gc.collect(0)

    conn.on('connect', lambda: (conn.on('drain', write_loop), write_loop()))
    run_loop(timeout=30)
    assert sum(received) == sum(sent)


def test_a_reader_pausing_after_each_chunk_gets_every_write(listening_server, run_loop):
    # Node's test-net-write-slow.js: ten 200,000-byte writes with
    # callbacks, then end(); the client pauses 5 ms after each chunk.
    size, count = 200_000, 10
    log = []

    def on_connection(sock):
        sock.setNoDelay()
        for _ in range(count):
            sock.write(b'a' * size, lambda err=None: log.append(err))
        sock.end()
        sock.on('finish', lambda: log.append('finish'))
    server, port = listening_server(on_connection)
    received = []
    conn = net.connect(port, '127.0.0.1')

    def on_data(chunk):
        received.append(len(chunk))
        conn.pause()
        net.setTimeout(conn.resume, 5)
    conn.on('data', on_data)
    conn.on('end', server.close)
    run_loop(timeout=30)
    assert sum(received) == size * count
    assert log == [None] * count + ['finish']


def test_a_reset_peer_fails_the_queued_writes_then_error_and_close(listening_server, run_loop):
    # Node's test-net-stream.js (its second half): the server queues ten
    # 2,000,000-byte writes and ends; the client destroys its side after
    # its first chunk.  Node 20: the writes the kernel took call back with
    # null, the rest with ECONNRESET; 'error' destroys; 'close'(true); the
    # server counts no connection.
    size, count = 2_000_000, 10
    log = []
    done = []

    def on_connection(sock):
        sock.setNoDelay()

        def on_error(err):
            log.append(('error', err.code))
            sock.destroy()

        def on_close(had_error):
            log.append(('close', had_error))
            server.getConnections(lambda err, n: (done.append(n), server.close()))
        sock.on('error', on_error)
        sock.on('close', on_close)
        for _ in range(count):
            sock.write(b'a' * size, lambda err=None: log.append(
                ('cb', None if err is None else err.code)))
        sock.end()
    server, port = listening_server(on_connection)
    conn = net.connect(port, '127.0.0.1')

    def on_data(_chunk):
        conn.pause()
        net.setTimeout(conn.destroy, 20)
    conn.on('data', on_data)
    run_loop(timeout=30)
    callbacks = [entry[1] for entry in log if entry[0] == 'cb']
    failed = set(code for code in callbacks if code is not None)
    assert len(callbacks) == count
    assert failed and failed <= {'ECONNRESET', 'EPIPE'}
    assert [entry for entry in log if entry[0] != 'cb'] == [('error', failed.pop()), ('close', True)]
    assert done == [0]
