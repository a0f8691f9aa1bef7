"""Sockets and servers the program dropped every reference to, with
gc.collect() in between: they live while libuv holds them and are freed
when it lets go."""
import gc
import os
import weakref

import pytest

import pyuvnet as net


pytestmark = pytest.mark.usefixtures('collections_see_this_test_only')


# -- no references, garbage collection ----------------------------------------------


def test_connected_socket_without_references_survives_gc(listening_server, run_loop):
    got = []
    closed = []
    refs = []

    def on_connection(sock):
        sock.on('data', lambda d: sock.end(d.upper()))

    server, port = listening_server(on_connection)

    def start():
        c = net.connect(port, '127.0.0.1')
        c.write(b'ping')
        # Listeners that do not refer to the socket: nothing of ours does.
        c.on('data', got.append)
        c.on('close', closed.append)
        refs.append(weakref.ref(c))
    start()
    gc.collect()
    collector = net.setInterval(gc.collect, 2)

    def done(*_):
        net.clearInterval(collector)
        server.close()
    server.on('connection', lambda sock: sock.on('close', done))
    run_loop()
    assert b''.join(got) == b'PING'
    assert closed == [False]
    gc.collect()
    assert refs[0]() is None, 'a closed socket must not be kept alive'


def test_streaming_to_an_unreferenced_socket_with_gc_in_between(listening_server, run_loop):
    data = os.urandom(2 << 20)
    got = []
    closed = []

    def on_connection(sock):
        # Send in 64 KiB pieces from a timer, collecting garbage each time.
        pos = [0]

        def step():
            gc.collect()
            if pos[0] >= len(data):
                net.clearInterval(ticker)
                sock.end()
                return
            sock.write(data[pos[0]:pos[0] + 65536])
            pos[0] += 65536
        ticker = net.setInterval(step, 1)
        sock.on('close', lambda _: server.close())

    server, port = listening_server(on_connection)

    def start():
        c = net.connect(port, '127.0.0.1')
        c.on('data', got.append)
        c.on('close', closed.append)
    start()
    gc.collect()
    run_loop(timeout=20)
    assert b''.join(got) == data
    assert closed == [False]


def test_unreferenced_socket_with_a_pending_write_delivers_it(listening_server, run_loop):
    size = 8 << 20
    received = [0]
    callbacks = []

    def on_connection(sock):
        sock.on('data', lambda d: received.__setitem__(0, received[0] + len(d)))
        net.setTimeout(lambda: (gc.collect(), sock.resume()), 100)
        sock.on('close', lambda _: server.close())

    server, port = listening_server(on_connection, pauseOnConnect=True)

    def start():
        c = net.connect(port, '127.0.0.1')
        c.on('connect', lambda: None)
        c.end(b'\x01' * size, lambda *a: callbacks.append(a))
        c.resume()
    start()
    gc.collect()
    run_loop(timeout=20)
    assert received[0] == size
    assert len(callbacks) == 1


def test_unreferenced_listening_server_keeps_accepting(run_loop):
    got = []

    def start():
        server = net.createServer(lambda sock: (sock.end(b'alive'), sock.server.close()))
        server.listen(0, '127.0.0.1')
        return server.address().port
    port = start()
    gc.collect()
    client = net.connect(port, '127.0.0.1')
    client.on('data', got.append)
    run_loop()
    assert b''.join(got) == b'alive'


def test_closed_server_is_collectable(run_loop):
    server = net.createServer()
    server.listen(0, '127.0.0.1')
    ref = weakref.ref(server)
    server.close()
    del server
    run_loop()
    gc.collect()
    assert ref() is None


def test_socket_dropped_before_it_ever_connected_is_collectable(run_loop):
    sock = net.Socket()
    ref = weakref.ref(sock)
    del sock
    gc.collect()
    assert ref() is None
    run_loop()


def test_unreferenced_server_and_client_during_name_resolution(run_loop):
    got = []

    def start():
        def on_listening():
            c = net.connect(server.address().port, 'localhost')
            c.on('data', got.append)
        server = net.createServer(lambda sock: (sock.end(b'resolved'), sock.server.close()))
        server.listen(0, 'localhost', on_listening)
    start()
    gc.collect()
    collector = net.setInterval(gc.collect, 1)
    collector.unref()
    run_loop()
    collector.close()
    assert b''.join(got) == b'resolved'
