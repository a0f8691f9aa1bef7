"""A 'data' listener's first write to its own socket is handed to the
kernel once the loop has run the reads of its poll (defer_send),
not inside write(); nothing a program can observe may differ from Node 20,
whose write() hands every chunk to libuv at once.  Node 20 (/usr/bin/node,
the same exchanges, the client writing b'abcde'):

    write; writableLength, bufferSize, writableNeedDrain -> true, 0, 0, false
    write; destroy()                -> the peer reads 'abcde', then its end
    write; end()                    -> 'abcde', then the end
    write; end('Z')                 -> 'abcdeZ', then the end
    write; cork(); write('X'); writableLength -> 1; uncork() -> 'abcdeX'
    write; pause(); writableLength  -> 0

Each would fail on a write merely put off to the end of the turn: the data
dropped by destroy(), our FIN ahead of it, or its length showing."""
import pytest

import pyuvnet as net


def served(listening_server, on_data):
    """A server whose sockets run ``on_data(sock, chunk)`` per 'data' and
    end at 'end'; its port."""
    def on_connection(sock):
        sock.on('data', lambda chunk: on_data(sock, chunk))
        sock.on('end', sock.end)
        sock.on('close', lambda _: server.close())
    server, port = listening_server(on_connection)
    return port


def what_the_peer_reads(port, run_loop):
    """Connect, send b'abcde', read to the end: what came back, '<end>'
    marking the end."""
    got = []
    client = net.connect(port, '127.0.0.1', lambda: client.write(b'abcde'))
    client.on('data', got.append)
    client.on('end', lambda: (got.append(b'<end>'), client.end()))
    run_loop()
    return b''.join(got)


def test_what_write_leaves_is_observed_as_handed_to_the_kernel(listening_server, run_loop):
    seen = []

    def on_data(sock, chunk):
        ok = sock.write(chunk)
        seen.append((ok, sock.writableLength, sock.bufferSize, sock.writableNeedDrain,
                     sock.writable_length, sock.bytesWritten))
        sock.end()
    port = served(listening_server, on_data)
    assert what_the_peer_reads(port, run_loop) == b'abcde<end>'
    assert seen == [(True, 0, 0, False, 0, 5)]


@pytest.mark.parametrize('then, expect', [
    (lambda sock: sock.destroy(), b'abcde<end>'),
    (lambda sock: sock.end(), b'abcde<end>'),
    (lambda sock: sock.end(b'Z'), b'abcdeZ<end>'),
], ids=['destroy', 'end', 'end-with-data'])
def test_destroy_or_end_after_the_write_sends_it_first(listening_server, run_loop, then, expect):
    def on_data(sock, chunk):
        sock.write(chunk)
        then(sock)
    port = served(listening_server, on_data)
    assert what_the_peer_reads(port, run_loop) == expect


def test_a_write_corked_after_it_counts_alone_and_follows_it(listening_server, run_loop):
    seen = []

    def on_data(sock, chunk):
        sock.write(chunk)
        sock.cork()
        sock.write(b'X')
        seen.append(sock.writableLength)
        sock.uncork()
        sock.end()
    port = served(listening_server, on_data)
    assert what_the_peer_reads(port, run_loop) == b'abcdeX<end>'
    assert seen == [1]


def test_pause_after_the_write_leaves_nothing_waiting(listening_server, run_loop):
    seen = []

    def on_data(sock, chunk):
        sock.write(chunk)
        sock.pause()
        seen.append(sock.writableLength)
        sock.resume()   # (to hear the peer's end, and close)
        sock.end()
    port = served(listening_server, on_data)
    assert what_the_peer_reads(port, run_loop) == b'abcde<end>'
    assert seen == [0]


def test_each_of_a_crowded_turns_echoes_arrives_once_and_in_order(listening_server, run_loop):
    # 40 clients at once: more held writes than one turn keeps
    # (CROWDED_TURN_STREAMS), every one answered with its own bytes.
    count = 40
    closed = []

    def on_connection(sock):
        sock.on('data', lambda chunk: sock.write(chunk))
        sock.on('end', sock.end)
        sock.on('close', lambda _: closed.append(1) if len(closed) < count - 1 else server.close())
    server, port = listening_server(on_connection)
    sent = {i: b'%03d' % i * 300 for i in range(count)}
    got = {i: [] for i in range(count)}

    def client_for(i):
        client = net.connect(port, '127.0.0.1', lambda: client.write(sent[i]))

        def on_reply(chunk):
            got[i].append(chunk)
            if sum(map(len, got[i])) >= len(sent[i]):
                client.end()
        client.on('data', on_reply)
    for i in range(count):
        client_for(i)
    run_loop()
    assert {i: b''.join(chunks) for i, chunks in got.items()} == sent
