"""Writes and end() made while a client still connects, with a high-water
mark of 0 (Node's test-net-connect-buffer.js and test-net-connect-buffer2.js):
the writes wait for the connection, write() answers False, bytesWritten
counts bytes (not characters) once, and the client still reads the
peer's FIN though its read buffer's mark is 0, as Node's read() reads
while its buffer is empty."""
import pyuvnet as net

A = "L'\u00c9tat, c'est "
B = 'moi'


def _server_that_ends_after_the_client(listening_server, got, log):
    def on_connection(sock):
        server.close()
        sock.on('data', got.append)

        def on_end():
            log.append('server end')
            sock.end()
        sock.on('end', on_end)
    server, port = listening_server(on_connection)
    return port


def test_client_with_zero_mark_ends_before_connecting_and_sees_the_peer_end(
        listening_server, run_loop):
    # Node 20 prints: readyState opening, bytesWritten 15 r false, readyState
    # opening, connected, write cb null 18, client finish, server end,
    # client end, client close false.
    got, log = [], []
    port = _server_that_ends_after_the_client(listening_server, got, log)
    sock = net.Socket({'highWaterMark': 0})
    sock.connect(port, '127.0.0.1', lambda: log.append('connected'))
    log.append(('pending', sock.pending, sock.connecting, sock.readyState))

    def written(err):
        log.append(('write cb', err, sock.bytesWritten, sock.pending))
    answer = sock.write(A, written)
    log.append(('bytesWritten', sock.bytesWritten, answer))
    sock.end(B)
    log.append(('readyState', sock.readyState))
    sock.on('finish', lambda: log.append('client finish'))
    sock.on('end', lambda: log.append('client end'))
    sock.on('close', lambda had_error: log.append(('client close', had_error, sock.pending)))
    run_loop()
    assert b''.join(got).decode() == A + B
    assert log == [
        ('pending', True, True, 'opening'),
        ('bytesWritten', len(A.encode()), False),
        ('readyState', 'opening'),
        'connected',
        ('write cb', None, len((A + B).encode()), False),
        'client finish',
        'server end',
        'client end',
        ('client close', False, True),
    ]


def test_client_with_zero_mark_reads_each_chunk_of_a_paused_peer(listening_server, run_loop):
    # A mark of 0 holds one read at most, as Node's push() refuses more once
    # anything is buffered; reading it makes room for the next.
    chunks = [b'one', b'two', b'three']

    def on_connection(sock):
        server.close()

        def send(i=0):
            if i < len(chunks):
                sock.write(chunks[i])
                net.setTimeout(lambda: send(i + 1), 20)
            else:
                sock.end()
        send()
    server, port = listening_server(on_connection)
    sock = net.Socket({'highWaterMark': 0})
    got = []
    sock.connect(port, '127.0.0.1')
    sock.on('data', got.append)
    sock.on('end', lambda: got.append('end'))
    run_loop()
    assert got == chunks + ['end']
