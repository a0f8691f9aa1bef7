"""The first write() a 'data' listener makes to its own socket leaves at
once (send_at_once), as every write() does in Node: the
kernel has it when write() returns, so writableLength and bufferSize are 0
again (Node 20 shows true, 0, 0 and the bytes counted).  What must not
change: every byte once and in order, a write callback never called inside
write() (after the listener returns, in order, with None), cork() holding
the write, and a peer that does not read ending in 'drain' with nothing
left waiting (Node 20, the same exchanges)."""
import hashlib
import os

import pyuvnet as net
from tcp_write_support import echoed_to_a_late_reader


def callback_echo(listening_server, on_data, path=None):
    """A server whose sockets run ``on_data(sock, chunk)`` per 'data' and
    end at 'end'; returns where to connect (port or ``path``)."""
    def on_connection(sock):
        sock.on('data', lambda chunk: on_data(sock, chunk))
        sock.on('end', sock.end)
        sock.on('close', lambda _: server.close())
    if path is None:
        server, port = listening_server(on_connection)
        return port
    server = net.createServer(on_connection)
    server.listen(path)
    return path


def exchange(target, data, expect, run_loop):
    """Send ``data``, end once ``expect`` bytes came back; what came back."""
    got = []
    if isinstance(target, int):
        client = net.connect(target, '127.0.0.1', lambda: client.write(data))
    else:
        client = net.connect(target, lambda: client.write(data))

    def on_data(chunk):
        got.append(chunk)
        if sum(map(len, got)) >= expect:
            client.end()
    client.on('data', on_data)
    run_loop()
    return b''.join(got)


def test_the_first_write_of_a_data_listener_is_the_kernels_when_write_returns(
        listening_server, run_loop):
    seen = []

    def on_data(sock, chunk):
        seen.append((sock.write(chunk), sock.writableLength, sock.bufferSize, sock.bytesWritten))
        # A second write is gathered (one writev at the end of the turn),
        # and leaves after the first.
        seen.append((sock.write(chunk.upper()), sock.bytesWritten))
    target = callback_echo(listening_server, on_data)
    assert exchange(target, b'abcde', 10, run_loop) == b'abcdeABCDE'
    assert seen == [(True, 0, 0, 5), (True, 10)]


def test_a_unix_socket_writes_at_once_too(listening_server, run_loop, sockdir):
    seen = []

    def on_data(sock, chunk):
        seen.append((sock.write(chunk), sock.writableLength, sock.bytesWritten))
    target = callback_echo(listening_server, on_data, os.path.join(sockdir, 'echo.sock'))
    assert exchange(target, b'x' * 1000, 1000, run_loop) == b'x' * 1000
    assert seen == [(True, 0, 1000)]


def test_write_callbacks_inside_a_data_listener_run_after_it_in_order(listening_server,
                                                                      run_loop):
    seen = []

    def on_data(sock, chunk):
        sock.write(chunk, lambda err: seen.append(('cb1', err)))
        sock.write(chunk, lambda err: seen.append(('cb2', err)))
        seen.append('listener returned')
    target = callback_echo(listening_server, on_data)
    assert exchange(target, b'abc', 6, run_loop) == b'abcabc'
    assert seen == ['listener returned', ('cb1', None), ('cb2', None)]


def test_a_corked_socket_holds_the_listeners_write_until_uncork(listening_server, run_loop):
    seen = []

    def on_data(sock, chunk):
        sock.cork()
        sock.write(chunk)
        seen.append(sock.writableLength)
        net.setTimeout(lambda: (seen.append(sock.writableLength), sock.uncork()), 20)
    target = callback_echo(listening_server, on_data)
    assert exchange(target, b'held', 4, run_loop) == b'held'
    assert seen == [4, 4]


def test_a_callback_echo_to_a_peer_that_does_not_read_loses_nothing_and_drains_empty(
        listening_server, run_loop):
    # Node 20 (2 runs): write() returns false on the way, every 'drain'
    # with nothing left waiting, every byte back in order.  (Node gave one
    # 'drain'; pyuvnet gives one per 64 KiB write the kernel takes whole
    # before the peer's buffers fill, with or without writes at once.)
    data = os.urandom(16 << 20)
    answers, drains = [], []

    def on_connection(sock):
        sock.on('data', lambda chunk: answers.append(sock.write(chunk)))
        sock.on('drain', lambda: drains.append(sock.writableLength))
        sock.on('end', sock.end)
        sock.on('close', lambda _: server.close())
    server, port = listening_server(on_connection)
    got = echoed_to_a_late_reader(port, data, run_loop)
    assert hashlib.sha1(got).digest() == hashlib.sha1(data).digest()
    assert False in answers
    assert drains and set(drains) == {0}


def test_writable_length_sends_the_gathered_writes_first(listening_server, run_loop):
    # Outside a read's listener small writes are gathered for one writev;
    # asked for writableLength, they go at once: 0, as Node 20's (its
    # write() hands each to the kernel).  Every byte once and in order.
    seen = []

    def on_data(sock, chunk):
        sock.write(chunk)
    target = callback_echo(listening_server, on_data)
    client = net.connect(target, '127.0.0.1')
    got = []
    client.on('data', got.append)

    def connected():
        for part in (b'a' * 10, b'b' * 20, b'c' * 30):
            client.write(part)
        seen.append(client.writableLength)
        client.end()
    client.on('connect', connected)
    run_loop()
    assert seen == [0] and b''.join(got) == b'a' * 10 + b'b' * 20 + b'c' * 30
