"""Write-through (write_through, uv/stream/read_callbacks.pyx): a read whose
only consumer is a stream's write in C (a pipe(), or Node's echo
``sock.on('data', sock.write)``) goes to the destination straight from libuv's
read buffer while nothing of the destination's waits, and only
what the kernel leaves becomes chunks.  What Node shows must not change: every byte once and in
order, 'data' listeners added to the source see every chunk, unpipe()
mid-stream loses and repeats nothing, cork() holds the echo, and 'drain'
comes as in Node 20, whose write() of a chunk the kernel takes whole
returns true with no 'drain' (whatever the high-water mark), and whose
writes held back by a peer that does not read end in 'drain'."""
import hashlib
import os

import pyuvnet as net
from tcp_write_support import echoed_to_a_late_reader, proxy_to_sink, send_in_steps


def test_a_data_listener_added_mid_pipe_sees_every_chunk_after_it(listening_server, run_loop):
    parts = [os.urandom(200_000) for _ in range(3)]
    state = {'seen': []}

    def on_pipe(src, dest):
        state['src'] = src

    proxy_port, received = proxy_to_sink(listening_server, on_pipe)

    def before_part(i):
        # Part 1 with a 'data' listener on the source, part 2 after it is removed.
        if i == 1:
            state['src'].on('data', state['seen'].append)
        elif i == 2:
            state['src'].removeListener('data', state['seen'].append)
    send_in_steps(proxy_port, parts, received, before_part, lambda client: client.end())
    run_loop(timeout=20)
    assert b''.join(received) == b''.join(parts)
    assert b''.join(state['seen']) == parts[1]


def test_unpipe_mid_stream_loses_and_repeats_no_byte(listening_server, run_loop):
    data = os.urandom(8 << 20)
    rest = []

    def on_pipe(src, dest):
        def on_sink_progress():
            if sum(map(len, received)) < 1 << 20:
                net.setTimeout(on_sink_progress, 1)
                return
            src.unpipe(dest)            # pauses src (Node: a 'data' listener does not resume it)
            src.on('data', rest.append)
            src.on('end', dest.end)
            src.resume()
        net.setTimeout(on_sink_progress, 1)

    proxy_port, received = proxy_to_sink(listening_server, on_pipe)
    client = net.connect(proxy_port, '127.0.0.1', lambda: client.end(data))
    client.resume()
    run_loop(timeout=30)
    # What the sink got (up to and just after unpipe) and what the source
    # delivered afterwards are the stream, each byte once.
    assert hashlib.sha1(b''.join(received) + b''.join(rest)).digest() == \
        hashlib.sha1(data).digest()
    assert rest, 'unpipe() came after the last byte: the test proves nothing'


def test_a_chunk_over_the_high_water_mark_taken_whole_gives_no_drain_as_in_node(
        listening_server, run_loop):
    # Node 20 (the same proxy in JavaScript): the sink gets the 4096 bytes,
    # and the destination (highWaterMark 1024) emits no 'drain': its
    # write() of a chunk the kernel took at once returned true.
    drains = []

    def on_pipe(src, dest):
        dest.on('drain', lambda: drains.append(dest.writableLength))
        # Sent once the destination is connected: a read before that waits
        # in its queue, and would take the chunked path anyway.
        dest.on('connect', lambda: client.end(b'x' * 4096))

    proxy_port, received = proxy_to_sink(listening_server, on_pipe,
                                         dest_options={'highWaterMark': 1024})
    client = net.connect(proxy_port, '127.0.0.1')
    client.resume()
    run_loop()
    assert b''.join(received) == b'x' * 4096
    assert drains == []


def echo_server(listening_server, on_socket=None, **options):
    """An echo server (``sock.on('data', sock.write)``, ended at 'end');
    ``on_socket(sock)`` runs first on each connection.  Returns its port."""
    def on_connection(sock):
        if on_socket is not None:
            on_socket(sock)
        sock.on('data', sock.write)
        sock.on('end', sock.end)
        sock.on('close', lambda _: server.close())
    server, port = listening_server(on_connection, **options)
    return port


def test_an_echo_returns_every_byte_once_in_order_and_counts_them(listening_server, run_loop):
    data = os.urandom(8 << 20)
    counts = []
    port = echo_server(listening_server, lambda sock: sock.on(
        'close', lambda _: counts.append((sock.bytesRead, sock.bytesWritten))))
    got = []
    client = net.connect(port, '127.0.0.1', lambda: client.end(data))
    client.on('data', got.append)
    run_loop(timeout=30)
    assert hashlib.sha1(b''.join(got)).digest() == hashlib.sha1(data).digest()
    assert counts == [(len(data), len(data))]


def test_a_corked_echo_waits_behind_what_was_written_first(listening_server, run_loop):
    # Node: writes while corked (the greeting, then the echo) leave in
    # order at uncork().
    def on_socket(sock):
        sock.cork()
        sock.write(b'hello:')
        net.setTimeout(sock.uncork, 100)
    port = echo_server(listening_server, on_socket)
    got = []
    client = net.connect(port, '127.0.0.1', lambda: client.write(b'ping'))
    client.on('data', lambda chunk: (got.append(chunk),
                                     b''.join(got) == b'hello:ping' and client.end()))
    run_loop()
    assert b''.join(got) == b'hello:ping'


def test_an_echo_over_the_high_water_mark_taken_whole_gives_no_drain_as_in_node(
        listening_server, run_loop):
    # Node 20, the same server: write() returns true, writableLength 0, no
    # 'drain'.
    drains = []
    port = echo_server(listening_server, lambda sock: sock.on(
        'drain', lambda: drains.append(sock.writableLength)), highWaterMark=1024)
    got = []

    def on_data(chunk):
        got.append(chunk)
        if sum(map(len, got)) == 4096:
            net.setTimeout(client.end, 50)
    client = net.connect(port, '127.0.0.1', lambda: client.write(b'y' * 4096))
    client.on('data', on_data)
    run_loop()
    assert b''.join(got) == b'y' * 4096
    assert drains == []


def test_an_echo_held_back_by_a_peer_that_does_not_read_ends_in_drain(listening_server, run_loop):
    # Node 20, the same exchange (3 runs of 3): the client reads only once
    # its 16 MiB have left, and ends once all came back; the echo's writes
    # wait for it, and one 'drain' follows with nothing left waiting.
    data = os.urandom(16 << 20)
    drains = []
    port = echo_server(listening_server, lambda sock: sock.on(
        'drain', lambda: drains.append(sock.writableLength)))
    got = echoed_to_a_late_reader(port, data, run_loop)
    assert hashlib.sha1(got).digest() == hashlib.sha1(data).digest()
    assert drains == [0]


def test_an_echo_held_back_by_a_late_reader_counts_every_byte_once(listening_server, run_loop):
    # The kernel refuses part of the reads written through (the client
    # reads nothing until all has left): what it did not take goes the
    # chunked way and is counted there, so bytesRead and bytesWritten end
    # at the bytes sent, as in Node 20 (the same exchange: 16 MiB, both).
    data = os.urandom(16 << 20)
    counts = []
    port = echo_server(listening_server, lambda sock: sock.on(
        'close', lambda _: counts.append((sock.bytesRead, sock.bytesWritten))))
    got = echoed_to_a_late_reader(port, data, run_loop)
    assert hashlib.sha1(got).digest() == hashlib.sha1(data).digest()
    assert counts == [(len(data), len(data))]
