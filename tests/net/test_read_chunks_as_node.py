"""A read for a Python 'data' listener is one chunk, Node's one read of up
to 64 KiB, whatever size the reads before it were, and the chunk pool's
reuse (pyuvnet_chunk) never changes a chunk a listener kept.  Each message
below is sent once the previous one came back, under /usr/bin/node (five
runs, all the same; the server's listener logs length, bytesRead and
readableLength, then writes the chunk back):

    1024, 1025, 3072, 81920, 10, 3000, then 3001 with end()
        -> 1024 1024 0; 1025 2049 0; 3072 5121 0; 65536 70657 0;
           16384 87041 0; 10 87051 0; 3000 90051 0; 3001 93052 0;
           end 93052
    1024 (the listener pauses, and resumes 50 ms later), 3072, 1025, 1025
        -> data 1024 bytesRead 1024; paused readableLength 3072 bytesRead
           4096; data 3072 bytesRead 4096; data 1025 bytesRead 5121;
           data 1025 bytesRead 6146

(80 KiB rather than 100: this client's 100 KiB write, in the server's
loop, reaches the kernel in two parts, the send buffer's and the rest.)
"""
import pytest

import pyuvnet as net


def _message(i, size):
    return bytes((i * 7 + j) % 251 for j in range(size))


def _echoed(listening_server, run_loop, sizes, on_server_data, on_server_socket=None):
    """Each of ``sizes`` sent by a client once the previous one came back
    whole from the server (the last with end()); the server's sockets get
    ``on_server_data(sock, chunk)`` as their 'data' listener, which must
    write the chunk back.  Returns the server's log and what the client
    read back."""
    log = []

    def on_connection(sock):
        sock.on('data', lambda chunk: on_server_data(sock, chunk))
        sock.on('end', lambda: (log.append('end %d' % sock.bytesRead), sock.end()))
        if on_server_socket is not None:
            on_server_socket(sock)

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    state = {'i': 0, 'got': 0}
    received = []

    def send_next():
        i = state['i']
        state['got'] = 0
        if i == len(sizes) - 1:
            client.end(_message(i, sizes[i]))
        else:
            client.write(_message(i, sizes[i]))

    def on_data(chunk):
        received.append(bytes(chunk))
        state['got'] += len(chunk)
        if state['got'] == sizes[state['i']]:
            state['i'] += 1
            if state['i'] < len(sizes):
                send_next()
    client.on('connect', send_next)
    client.on('data', on_data)
    client.on('close', lambda had_error: server.close())
    run_loop()
    return log, b''.join(received)


def test_a_growing_message_arrives_in_nodes_chunks(listening_server, run_loop):
    sizes = [1024, 1025, 3072, 81920, 10, 3000, 3001]

    def on_data(sock, chunk):
        log.append('%d %d %d' % (len(chunk), sock.bytesRead, sock.readableLength))
        sock.write(chunk)
    log = []
    server_log, echoed = _echoed(listening_server, run_loop, sizes, on_data)
    assert log + server_log == [
        '1024 1024 0', '1025 2049 0', '3072 5121 0', '65536 70657 0', '16384 87041 0',
        '10 87051 0', '3000 90051 0', '3001 93052 0', 'end 93052']
    assert echoed == b''.join(_message(i, size) for i, size in enumerate(sizes))


def test_a_pause_between_short_reads(listening_server, run_loop):
    log = []

    def on_data(sock, chunk):
        log.append('data %d bytesRead %d' % (len(chunk), sock.bytesRead))
        if len(chunk) == 1024:
            sock.pause()

            def later():
                # Node's 50 ms let the client's next message in while
                # paused; a slow build (the sanitizers', loaded) may
                # need longer, so wait for it, run_loop's bound the limit.
                if sock.bytesRead < 4096:
                    net.setTimeout(later, 50)
                    return
                log.append('paused readableLength %d bytesRead %d'
                           % (sock.readableLength, sock.bytesRead))
                sock.resume()
            net.setTimeout(later, 50)
        sock.write(chunk)
    sizes = [1024, 3072, 1025, 1025]
    server_log, echoed = _echoed(listening_server, run_loop, sizes, on_data)
    assert log + server_log == [
        'data 1024 bytesRead 1024', 'paused readableLength 3072 bytesRead 4096',
        'data 3072 bytesRead 4096', 'data 1025 bytesRead 5121', 'data 1025 bytesRead 6146',
        'end 6146']
    assert echoed == b''.join(_message(i, size) for i, size in enumerate(sizes))


def test_kept_chunks_stay_intact_while_the_pool_serves_others(listening_server, run_loop):
    """Every other chunk kept (and a hash taken of each): those kept keep
    their bytes while the ones let go are refilled by later reads."""
    sizes = [1024 + (i % 3) for i in range(60)]
    kept = []
    hashes = []

    def on_data(sock, chunk):
        hashes.append(hash(chunk) == hash(bytes(bytearray(chunk))))
        if len(hashes) % 2:
            kept.append((len(hashes) - 1, chunk))
        sock.write(chunk)
    _, echoed = _echoed(listening_server, run_loop, sizes, on_data)
    assert echoed == b''.join(_message(i, size) for i, size in enumerate(sizes))
    assert all(hashes) and len(hashes) == len(sizes)
    assert [chunk for _, chunk in kept] == [_message(i, sizes[i]) for i, _ in kept]


def _two_rounds(two_connections, first_size, second_size, scenario):
    """Two clients each send ``first_size`` bytes, echoed back by a Python
    listener, then both ``second_size`` in one turn: one poll brings both
    reads.  ``scenario(sock, other, order)`` makes the handler of the
    second round's chunks for each server socket (``other()`` returns the
    other socket; ``order``, a list shared by both handlers)."""
    # One listener per socket throughout, which calls the handler of the
    # round (the listener a read finds is the one it was read for).
    handlers = {}
    order = []

    def both(s1, s2, c1, c2):
        echoed = [0]

        def on_client_data(chunk):
            echoed[0] += len(chunk)
            if echoed[0] == 2 * first_size:
                handlers[s1] = scenario(s1, lambda: s2, order)
                handlers[s2] = scenario(s2, lambda: s1, order)
                c1.write(b'1' * second_size)
                c2.write(b'2' * second_size)
        for sock in (s1, s2):
            handlers[sock] = sock.write
            sock.on('data', lambda chunk, sock=sock: handlers[sock](chunk))
        for client in (c1, c2):
            client.on('data', on_client_data)
            client.write(b'x' * first_size)
    two_connections(both, wait_ms=200)


def test_a_stream_destroyed_before_its_read_is_delivered(two_connections):
    # As test_reads_held_to_poll_end's s2.destroy() (pinned there), after
    # short reads of another size.
    log = []

    def scenario(sock, other, order):
        def on_data(chunk):
            order.append(sock)
            log.append('data %d' % len(chunk))
            if len(order) == 1:
                other().on('close', lambda had_error: log.append('other closed'))
                other().destroy()
        return on_data
    _two_rounds(two_connections, 1024, 1000, scenario)
    assert log == ['data 1000', 'other closed']


def test_a_listener_raising_leaves_the_next_read_for_the_next_run(run_loop, two_connections):
    # Node has no equivalent (an uncaught exception ends the process); here
    # run() raises it, and the other read (3000 bytes after 1024) comes
    # whole on the next run().
    log = []

    def scenario(sock, other, order):
        def on_data(chunk):
            order.append(sock)
            log.append('data %d %s' % (len(chunk), set(chunk) in ({49}, {50})))
            if len(order) == 1:
                raise ValueError('boom')
        return on_data
    with pytest.raises(ValueError):
        _two_rounds(two_connections, 1024, 3000, scenario)
    assert log == ['data 3000 True']
    run_loop()
    assert log == ['data 3000 True', 'data 3000 True']


def test_a_read_past_64_kib_after_short_ones_comes_in_nodes_chunks(two_connections):
    # 80 KiB after 3000 bytes: 64 KiB, then the remaining 16 KiB, as
    # Node's two reads (the growing message above, pinned under node 20).
    log = []

    def scenario(sock, other, order):
        def on_data(chunk):
            log.append((id(sock), len(chunk), sock.bytesRead, set(chunk) in ({49}, {50})))
        return on_data
    _two_rounds(two_connections, 3000, 81920, scenario)
    assert sorted(entry[1:] for entry in log) == [
        (16384, 84920, True), (16384, 84920, True), (65536, 68536, True), (65536, 68536, True)]
    assert [entry[1] for entry in log if entry[0] == log[0][0]] == [65536, 16384]
