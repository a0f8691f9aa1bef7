"""pipe()'s write-through (uv/piping.pyx): while the destination has
nothing queued, a read goes to it straight from libuv's read buffer, and
only what the kernel leaves becomes chunks.  What Node's pipe() shows must
not change: every byte once and in order, 'data' listeners added to the
source see every chunk, unpipe() mid-stream loses and repeats nothing, and
a 'drain' listener of the destination still hears the 'drain' of a chunk
that reached its high-water mark."""
import hashlib
import os

import pyuvnet as net


def proxy_to_sink(listening_server, on_pipe, sink_options=None, dest_options=None):
    """client -> proxy -> sink, the proxy's source piped to its upstream.
    ``on_pipe(src, dest)`` runs once the pipe is made; returns
    (proxy port, the list of chunks the sink received)."""
    received = []

    def on_sink_connection(sock):
        sock.on('data', received.append)
        sock.on('close', lambda _: sink_server.close())
    sink_server, sink_port = listening_server(on_sink_connection, **(sink_options or {}))

    def on_connection(src):
        dest = net.connect({'port': sink_port, 'host': '127.0.0.1', **(dest_options or {})})
        src.pipe(dest)
        src.on('close', lambda _: proxy.close())
        on_pipe(src, dest)
    proxy, proxy_port = listening_server(on_connection)
    return proxy_port, received


def test_a_data_listener_added_mid_pipe_sees_every_chunk_after_it(listening_server, run_loop):
    parts = [os.urandom(200_000) for _ in range(3)]
    state = {'seen': []}

    def on_pipe(src, dest):
        state['src'] = src

    proxy_port, received = proxy_to_sink(listening_server, on_pipe)

    def sink_has(n):
        return sum(map(len, received)) >= n

    def step():
        # Each part is sent once the sink holds all before it: part 1 with
        # a 'data' listener on the source, part 2 after it is removed.
        sent = sum(map(len, parts[:state['next']]))
        if not sink_has(sent):
            net.setTimeout(step, 5)
            return
        if state['next'] == 1:
            state['src'].on('data', state['seen'].append)
        elif state['next'] == 2:
            state['src'].removeListener('data', state['seen'].append)
        if state['next'] == len(parts):
            client.end()
            return
        client.write(parts[state['next']])
        state['next'] += 1
        net.setTimeout(step, 5)

    state['next'] = 0
    client = net.connect(proxy_port, '127.0.0.1', step)
    client.resume()
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


def test_a_drain_listener_of_the_destination_still_hears_drain(listening_server, run_loop):
    # Node: write() of a chunk of the high-water mark or more returns false,
    # and 'drain' follows once it left.
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
    assert drains and set(drains) == {0}
