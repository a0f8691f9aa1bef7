"""The read path's chunk objects (docs/DESIGN.md, "Where Python runs"):
the loop refills a chunk's bytes for a later read only when nothing but
the loop holds it, so whatever a 'data' listener keeps (the chunk, a view
of it, its hash) stays what was received; and a listener that is some
stream's own write() is fed in C, a subclass's write() override through
a call."""
import pyuvnet as net

BLOCK = 1024        # above pymalloc's sizes: the reused kind
COUNT = 200


def _block(i):
    return bytes((i + j) % 251 for j in range(BLOCK))


def _ping_pong(listening_server, run_loop, on_chunk, echo=lambda sock: sock.on('data', sock.write)):
    """COUNT distinct 1 KiB blocks, each sent once the previous one came
    back whole through an echo server in the same loop; ``on_chunk(chunk)``
    sees every chunk the client reads.  Returns copies of what the client
    read (the chunks themselves are not kept here)."""
    server, port = listening_server(echo)
    client = net.connect(port, '127.0.0.1')
    received = []
    state = {'sent': 0, 'pending': 0}

    def send_next():
        if state['sent'] == COUNT:
            client.end()
            return
        client.write(_block(state['sent']))
        state['sent'] += 1
        state['pending'] = BLOCK

    def on_data(chunk):
        on_chunk(chunk)
        received.append(bytes(bytearray(chunk)))
        state['pending'] -= len(chunk)
        if state['pending'] == 0:
            send_next()
    client.on('connect', send_next)
    client.on('data', on_data)
    client.on('close', lambda had_error: server.close())
    run_loop()
    return received


def test_kept_chunks_keep_their_bytes(listening_server, run_loop):
    """Chunks a listener keeps (the chunk, and a memoryview of another
    reference) are never refilled: all 200 blocks read back as sent."""
    kept = []
    views = []

    def keep(chunk):
        if len(kept) % 2:
            kept.append(chunk)
        else:
            kept.append(None)
            views.append(memoryview(chunk))
    received = _ping_pong(listening_server, run_loop, keep)
    assert b''.join(received) == b''.join(_block(i) for i in range(COUNT))
    held = iter(views)
    assert [chunk if chunk is not None else bytes(next(held)) for chunk in kept] == received


def test_a_refilled_chunk_hashes_as_its_new_bytes(listening_server, run_loop):
    """A listener that hashes each chunk and drops it lets the loop refill
    it; the hash of the next block must be its own, not the cached one."""
    wrong = []

    def check_hash(chunk):
        if hash(chunk) != hash(bytes(bytearray(chunk))):
            wrong.append(len(chunk))
    received = _ping_pong(listening_server, run_loop, check_hash)
    assert len(received) >= COUNT
    assert wrong == []


def test_a_write_override_is_what_the_data_listener_calls(listening_server, run_loop):
    """sock.on('data', sock.write) on a Socket subclass that overrides
    write(): every chunk goes through the override (the C path is only
    for Stream's own write)."""
    through_override = []

    class CountingSocket(net.Socket):
        def write(self, data, *args):
            through_override.append(len(data))
            return super().write(data, *args)

    def echo(sock):
        sock.on('data', sock.write)
    server, port = listening_server(echo)
    client = CountingSocket()
    received = []
    client.on('data', client.write)

    def on_connect():
        client.removeListener('data', client.write)
        client.on('data', lambda chunk: (received.append(chunk), client.end()))
        client.write(b'ping')
    client.on('connect', on_connect)
    client.on('close', lambda had_error: server.close())
    client.connect(port, '127.0.0.1')
    run_loop()
    assert received == [b'ping']
    assert through_override == [4]


def test_another_streams_write_as_the_listener_writes_there(listening_server, run_loop):
    """a.on('data', b.write): a's chunks are written to b (the C path takes
    the stream the bound write belongs to)."""
    echoed = []

    def relay(sock):
        # Each server connection forwards to a second connection whose
        # peer echoes back; the reply goes back through sock.write.
        upstream = net.connect(echo_port, '127.0.0.1')
        sock.on('data', upstream.write)
        upstream.on('data', sock.write)
        sock.on('end', upstream.end)
        upstream.on('end', sock.end)
    echo_server, echo_port = listening_server(lambda s: s.on('data', s.write))
    relay_server, relay_port = listening_server(relay, allowHalfOpen=True)
    client = net.connect(relay_port, '127.0.0.1', lambda: client.end(b'x' * 3000))
    client.on('data', echoed.append)
    client.on('close', lambda had_error: (relay_server.close(), echo_server.close()))
    run_loop()
    assert b''.join(echoed) == b'x' * 3000


def test_a_stream_read_into_its_chunks_keeps_what_listeners_keep(listening_server, run_loop):
    """8 MiB streamed to a Python 'data' listener: once reads fill 64 KiB
    chunks, each read lands in the bytes it is delivered as (the loop's
    read chunk, refilled only when nothing else holds it). Chunks are at
    most 64 KiB; kept ones keep their bytes, a view's chunk too, dropped
    ones hash as their new bytes, and the whole arrives in order."""
    size = 8 << 20
    sent = bytes(range(256)) * (size // 256)
    kept, copies, views, wrong_hash, sizes = [], [], [], [], []

    def on_connection(sock):
        def on_data(chunk):
            sizes.append(len(chunk))
            copies.append(bytes(bytearray(chunk)))
            if hash(chunk) != hash(copies[-1]):
                wrong_hash.append(len(sizes))
            if len(sizes) % 3 == 0:
                kept.append((chunk, copies[-1]))
            elif len(sizes) % 3 == 1:
                views.append((memoryview(chunk), copies[-1]))
        sock.on('data', on_data)
        sock.on('end', lambda: (sock.end(), server.close()))
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end(sent))
    run_loop()
    assert b''.join(copies) == sent
    assert max(sizes) == 65536
    assert wrong_hash == []
    assert all(chunk == copy for chunk, copy in kept)
    assert all(bytes(view) == copy for view, copy in views)
