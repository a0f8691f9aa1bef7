"""What a net.Server runs per connection: its expected life (accept, the
server's socket options, 'connection', the peer's FIN, 'end', end(),
'finish', destroy(), 'close') enters no Python function of pyuvnet's own,
only the user's listeners (docs/DESIGN.md, "Where Python runs")."""
import socket
import sys
import threading

import pyuvnet as net

from support import pyuvnet_frames


def _blocking_clients(address, count):
    """A thread making ``count`` connections one after the other (not
    profiled: sys.setprofile is per thread), each sending one byte,
    reading its echo and closing."""
    failures = []

    def run():
        try:
            for _ in range(count):
                with socket.create_connection(address, timeout=10) as conn:
                    conn.sendall(b'x')
                    assert conn.recv(1) == b'x'
                    conn.shutdown(socket.SHUT_WR)
                    assert conn.recv(1) == b''
        except Exception as exc:    # reported by the test, not lost in the thread
            failures.append(exc)
    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def _serve_and_count(run_loop, options, on_connection, count=20):
    """Serve ``count`` connections of _blocking_clients with
    ``on_connection`` profiled from 'listening' until the last 'close';
    returns the pyuvnet frames entered, and the sockets."""
    sockets = []
    closed = []
    server = net.createServer(options)
    counts, profile = pyuvnet_frames()
    failures = []
    threads = []

    def connection(sock):
        sockets.append(sock)
        on_connection(sock)
        sock.on('close', on_close)

    def on_close(had_error):
        closed.append(had_error)
        if len(closed) == count:
            sys.setprofile(None)
            server.close()

    def listening():
        thread, failed = _blocking_clients(('127.0.0.1', server.address().port), count)
        threads.append(thread)
        failures.append(failed)
        sys.setprofile(profile)
    server.on('connection', connection)
    server.listen(0, '127.0.0.1', listening)
    try:
        run_loop(20)
    finally:
        sys.setprofile(None)
        for thread in threads:
            thread.join(10)
    assert failures == [[]]
    assert closed == [False] * count
    return counts, sockets


def test_a_connection_lives_and_dies_without_pyuvnet_python(run_loop):
    """20 connections of an echo server (noDelay, as the benchmark's): no
    Python frame of pyuvnet's, from the accept to 'close'."""
    counts, _ = _serve_and_count(run_loop, {'noDelay': True},
                                 lambda sock: sock.on('data', sock.write))
    assert counts == {}


def test_server_socket_options_need_no_python_per_connection(run_loop):
    """allowHalfOpen and highWaterMark are read once, at createServer():
    with them, a connection still runs no Python frame of pyuvnet's (the
    echo ends our side from the user's 'end' listener here)."""
    def echo_until_end(sock):
        sock.on('data', sock.write)
        sock.on('end', sock.end)
    counts, sockets = _serve_and_count(
        run_loop, {'allowHalfOpen': True, 'highWaterMark': 1024}, echo_until_end)
    assert counts == {}
    assert all(s.allowHalfOpen for s in sockets)
    assert {(s.readableHighWaterMark, s.writableHighWaterMark) for s in sockets} == {(1024, 1024)}


def test_a_subclass_end_and_destroy_are_what_the_fin_calls(listening_server, run_loop):
    """Node's onReadableStreamEnd calls this.end(), and the end of both
    sides this.destroy(): a Socket subclass's overrides are the ones the
    peer's FIN runs, even though Socket's own run in C."""
    calls = []

    class LoggingSocket(net.Socket):
        def end(self, *args):
            calls.append('end')
            return super().end(*args)

        def destroy(self, error=None):
            calls.append('destroy')
            return super().destroy(error)
    _connect_to_an_ending_server(listening_server, run_loop, LoggingSocket)
    assert calls == ['end', 'destroy']


def _connect_to_an_ending_server(listening_server, run_loop, socket_class):
    """One connection of a ``socket_class`` client to a server that ends
    it at once, run until the client's 'close'."""
    server, port = listening_server(lambda s: s.end())
    client = socket_class()
    client.on('data', lambda chunk: None)
    client.on('close', lambda had_error: server.close())
    client.connect(port, '127.0.0.1')
    run_loop()


def test_end_and_destroy_given_to_a_class_later_are_what_the_fin_calls(
        listening_server, run_loop):
    """Which class overrides end() and destroy() is remembered between
    connections (the C path asks on every one): a class given its own
    after a connection closed is asked again, and its next connection's
    FIN calls them."""
    calls = []

    class LaterSocket(net.Socket):
        pass

    def connect_once():
        _connect_to_an_ending_server(listening_server, run_loop, LaterSocket)

    connect_once()
    assert calls == []

    def end(self, *args):
        calls.append('end')
        return net.Socket.end(self, *args)

    def destroy(self, error=None):
        calls.append('destroy')
        return net.Socket.destroy(self, error)
    LaterSocket.end = end
    LaterSocket.destroy = destroy
    connect_once()
    assert calls == ['end', 'destroy']
    del LaterSocket.end, LaterSocket.destroy
    connect_once()
    assert calls == ['end', 'destroy']
