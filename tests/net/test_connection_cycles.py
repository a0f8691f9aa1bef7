"""A closed connection whose only references are its own listeners (Node's
echo, ``sock.on('data', sock.write)``, or a function closing over the
socket, ``lambda d: sock.write(d)``) is freed at its close, not left to
the cyclic GC (Stream.on_released), weak references to it or not; one
anything else can still reach keeps its listeners after 'close', as in
Node 20."""
import gc
import socket
import threading
import weakref

import pytest

import pyuvnet as net

COUNT = 5


def _ignore(_err):
    pass


def _serve(run_loop, on_connection, count=COUNT):
    """Serve ``count`` one-byte echo connections with ``on_connection``
    and the cyclic GC off; returns what the clients read back."""
    echoed = []
    closed = []
    server = net.createServer()

    def connection(sock):
        on_connection(sock)
        sock.on('close', on_close)

    def on_close(_had_error):
        closed.append(1)
        if len(closed) == count:
            server.close()

    def clients(port):
        for _ in range(count):
            with socket.create_connection(('127.0.0.1', port), timeout=10) as conn:
                conn.sendall(b'x')
                echoed.append(conn.recv(1))
                conn.shutdown(socket.SHUT_WR)
                conn.recv(1)

    def listening():
        thread = threading.Thread(target=clients, args=(server.address().port,))
        thread.start()
        threads.append(thread)
    threads = []
    server.on('connection', connection)
    server.listen(0, '127.0.0.1', listening)
    gc.collect()
    gc.disable()
    try:
        run_loop(20)
    finally:
        gc.enable()
        for thread in threads:
            thread.join(10)
    assert echoed == [b'x'] * count
    return echoed


def _sockets_alive():
    return sum(1 for obj in gc.get_objects() if isinstance(obj, net.Socket))


def _echo_by_own_write(sock):
    sock.on('error', _ignore)
    sock.on('data', sock.write)


def _echo_among_other_listeners(sock):
    # Two 'data' listeners: the read path calls the socket's own _emit_data.
    sock.on('data', sock.write)
    sock.on('data', _ignore)


def _echo_and_end_by_own_methods(sock):
    sock.on('data', sock.write)
    sock.on('end', sock.end)
    sock.on('error', sock.destroy)


def _echo_by_a_closure(sock):
    sock.on('error', _ignore)
    sock.on('data', lambda data: sock.write(data))


def _echo_alone_by_a_closure(sock):
    # 'data' and _serve's 'close': both in the emitter's slots, no dict.
    sock.on('data', lambda data: sock.write(data))


def _echo_and_end_by_closures(sock):
    def on_data(data):
        sock.write(data)

    def on_end():
        sock.end()
    sock.on('data', on_data)
    sock.on('data', _ignore)
    sock.on('end', on_end)


@pytest.mark.parametrize('on_connection', [_echo_by_own_write, _echo_among_other_listeners,
                                           _echo_and_end_by_own_methods, _echo_by_a_closure,
                                           _echo_alone_by_a_closure, _echo_and_end_by_closures])
def test_a_closed_connection_held_only_by_its_own_listeners_is_freed_without_the_gc(
        run_loop, on_connection):
    gc.collect()
    before = _sockets_alive()
    _serve(run_loop, on_connection)
    assert _sockets_alive() == before


def test_a_closed_socket_still_held_keeps_its_listeners(run_loop):
    kept = []

    def on_connection(sock):
        _echo_by_own_write(sock)
        kept.append(sock)
    _serve(run_loop, on_connection)
    for sock in kept:
        assert sock.destroyed
        assert sock.listeners('data') == [sock.write]
        assert sock.listenerCount('error') == 1


@pytest.mark.parametrize('on_connection', [_echo_by_own_write, _echo_by_a_closure])
def test_a_closed_socket_seen_through_a_weak_reference_is_freed_at_close(
        run_loop, on_connection):
    # The README's echo, watched by a weak reference (a pending once()
    # wrapper holds one too): nothing but the reference can see the socket after
    # 'close', and it dies then, its callback called, as a collection
    # would have done (the GC is off here).
    refs, died, seen = [], [], []

    def on_connection_watched(sock):
        on_connection(sock)
        refs.append(weakref.ref(sock, died.append))
        # How many had died a turn after each 'close', the GC still off.
        sock.on('close', lambda _had_error: net.setImmediate(lambda: seen.append(len(died))))
    _serve(run_loop, on_connection_watched)
    assert len(seen) == COUNT and seen[-1] == COUNT
    assert died == refs


def test_a_closed_socket_whose_listener_is_held_elsewhere_keeps_it(run_loop):
    methods = []

    def on_connection(sock):
        write = sock.write
        sock.on('data', write)
        methods.append(write)
    _serve(run_loop, on_connection)
    for write in methods:
        assert write.__self__.listeners('data') == [write]


def test_a_closed_socket_whose_closure_listener_is_held_elsewhere_keeps_it(run_loop):
    listeners = []

    def on_connection(sock):
        def on_data(data):
            sock.write(data)
        sock.on('data', on_data)
        listeners.append(on_data)
    _serve(run_loop, on_connection)
    for on_data in listeners:
        sock = on_data.__closure__[0].cell_contents
        assert sock.destroyed and sock.listeners('data') == [on_data]


def test_a_closed_socket_whose_closure_cell_is_shared_keeps_its_listeners(run_loop):
    """Another function closing over the same variable reaches the socket
    through the shared cell: the listeners stay."""
    getters = []

    def on_connection(sock):
        sock.on('data', lambda data: sock.write(data))
        getters.append(lambda: sock)
    _serve(run_loop, on_connection)
    for get in getters:
        assert get().destroyed and get().listenerCount('data') == 1
