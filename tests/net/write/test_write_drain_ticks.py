"""'drain' as a Stream emits it from C: queued on the nextTick queue as the
stream itself (StreamWrites.on_tick, no bound method made), emitted only
while a 'drain' listener is there (StreamWrites.heard), and a 'data'
listener's first write of the high-water mark or more handed to the
kernel at once, whole or with its rest in flight (send_at_once,
send_rest).  Node 20 pins the first two tests (each run twice)."""
import pyuvnet as net


def test_a_64_kib_write_the_kernel_takes_whole_returns_true_without_drain(
        listening_server, run_loop):
    # Node 20: write(Buffer.alloc(65536)) in a 'data' listener of a fresh
    # loopback connection -> true, writableLength 0, writableNeedDrain false,
    # and no 'drain'.
    seen, drains, got = [], [], []

    def on_connection(sock):
        def on_data(_chunk):
            seen.append((sock.write(bytes(65536)), sock.writableLength,
                         sock.writableNeedDrain))
            sock.end()
        sock.on('data', on_data)
        sock.on('drain', lambda: drains.append(True))
        sock.on('close', lambda _: server.close())
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.write(b'x'))
    client.on('data', got.append)
    client.on('end', client.end)
    run_loop()
    assert seen == [(True, 0, False)]
    assert drains == []
    assert b''.join(got) == bytes(65536)


def test_drain_reaches_a_listener_added_after_write_returned_false(listening_server,
                                                                   run_loop):
    # Node 20: write(8 MiB) to a peer that reads later -> false; a 'drain'
    # listener added and removed at once never runs, one added 20 ms later
    # runs once, with nothing left waiting; the peer gets every byte.
    data = b'\x5a' * (8 << 20)
    log, got = [], []

    def on_connection(sock):
        log.append(('write', sock.write(data)))

        def removed():
            log.append('removed ran')
        sock.on('drain', removed)
        sock.removeListener('drain', removed)

        def on_drain():
            log.append(('drain', sock.writableLength, sock.writableNeedDrain))
            sock.end()
        net.setTimeout(lambda: sock.on('drain', on_drain), 20)
        sock.on('close', lambda _: server.close())
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    client.pause()

    def read_all():
        client.on('data', got.append)
        client.resume()
    net.setTimeout(read_all, 100)
    client.on('end', client.end)
    run_loop(timeout=10)
    assert log == [('write', False), ('drain', 0, False)]
    assert sum(map(len, got)) == len(data)


def end_and_drain_order(listening_server, run_loop, paused):
    """The order of 'end' and 'drain' on a server socket that writes 70,000
    bytes corked outside its 'data' listener and uncorks, on the tick after the client's one
    byte, the client's FIN following it at once.  Paused first and resumed
    later, the socket delivers the byte and queues its 'end' in one tick,
    so that 'end' waits ahead of the 'drain'; flowing, the 'drain' comes
    from the write's own tick, before the FIN is read."""
    log = []

    def on_connection(sock):
        def write_big():
            # Corked, the write answers False; uncork() hands it to the
            # kernel, which takes it whole: 'drain' on the next tick.
            sock.cork()
            log.append(('write', sock.write(b'y' * 70000)))
            sock.uncork()

        def on_data(_chunk):
            log.append('data')
            net.nextTick(write_big)
        sock.on('drain', lambda: log.append('drain'))
        sock.on('end', lambda: log.append('end'))
        sock.on('close', lambda _: server.close())
        if paused:
            sock.pause()
            net.setTimeout(lambda: (sock.on('data', on_data), sock.resume()), 50)
        else:
            sock.on('data', on_data)
    server, port = listening_server(on_connection, allowHalfOpen=True)
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'x'))
    client.on('data', lambda _chunk: None)
    client.on('end', lambda: None)
    server_side = []
    server.on('connection', server_side.append)
    net.setTimeout(lambda: server_side[0].end(), 300)
    run_loop()
    return log


def test_a_drain_and_an_end_queued_together_keep_the_queues_order(listening_server,
                                                                  run_loop):
    # pyuvnet's own order (Node 20's paused socket queues 'end' before the
    # last 'data'): each of the stream's two queue entries runs the event
    # it was queued for.
    assert end_and_drain_order(listening_server, run_loop, paused=True) == [
        'data', ('write', False), 'end', 'drain']
    assert end_and_drain_order(listening_server, run_loop, paused=False) == [
        'data', ('write', False), 'drain', 'end']
