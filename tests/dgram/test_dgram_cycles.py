"""A closed dgram socket whose only references are its own listeners
(Node's echo, ``sock.on('message', lambda m, r: sock.send(m, r.port,
r.address))``, or a bound method of the socket) is freed when its handle's
close completes, not left to the cyclic GC (DgramCore.release_closed, the
helper TCP's Stream.on_released uses), on every path: bound, never bound,
closed while its bind was under way, or after a failed bind; one anything
else can still reach keeps its listeners after 'close', as in Node 20."""
import gc
import socket
import threading

from pyuvnet import dgram

COUNT = 4


def _sockets_alive():
    return sum(1 for obj in gc.get_objects() if isinstance(obj, dgram.Socket))


def _serve(run_loop, make_server, count=COUNT):
    """Start ``count`` servers from ``make_server(done)`` (each answers one
    datagram, then closes itself and calls ``done``), each bound to a
    loopback port, with the cyclic GC off; a thread sends each one
    datagram; returns how many more sockets are alive than before."""
    echoed = []
    ports = []
    listening = threading.Event()

    def bound(port):
        ports.append(port)
        if len(ports) == count:
            listening.set()

    def client():
        listening.wait(10)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(10)
            for port in ports:
                s.sendto(b'x', ('127.0.0.1', port))
                echoed.append(s.recv(16))

    gc.collect()
    before = _sockets_alive()
    for _ in range(count):
        make_server(bound)
    thread = threading.Thread(target=client)
    thread.start()
    gc.disable()
    try:
        run_loop(20)
        thread.join(10)         # the last echo may still be on its way to it
        assert echoed == [b'x'] * count
        return _sockets_alive() - before
    finally:
        gc.enable()
        thread.join(10)


def _closure_echo(bound):
    sock = dgram.createSocket('udp4')

    def on_message(msg, rinfo):
        sock.send(msg, rinfo.port, rinfo.address, lambda *_: sock.close())
    sock.on('message', on_message)
    sock.on('error', lambda err: sock.close())
    sock.bind(0, '127.0.0.1', lambda: bound(sock.address().port))


class _EchoSocket(dgram.Socket):
    def echo(self, msg, rinfo):
        self.send(msg, rinfo.port, rinfo.address, self.sent)

    def sent(self, *_):
        self.close()

    def closed(self):
        pass


def _bound_method_echo(bound):
    sock = _EchoSocket('udp4')
    sock.on('message', sock.echo)
    sock.on('close', sock.closed)
    sock.bind(0, '127.0.0.1', lambda: bound(sock.address().port))


def _echo_among_other_listeners(bound):
    sock = dgram.createSocket('udp4')
    sock.on('message', lambda msg, rinfo: sock.send(msg, rinfo.port, rinfo.address,
                                                     lambda *_: sock.close()))
    sock.on('message', lambda msg, rinfo: sock.address())
    sock.bind(0, '127.0.0.1', lambda: bound(sock.address().port))


def test_a_closure_echo_is_freed_at_close_without_the_gc(run_loop):
    assert _serve(run_loop, _closure_echo) == 0


def test_a_bound_method_echo_is_freed_at_close_without_the_gc(run_loop):
    assert _serve(run_loop, _bound_method_echo) == 0


def test_several_message_listeners_closing_over_it_are_freed_too(run_loop):
    assert _serve(run_loop, _echo_among_other_listeners) == 0


def test_a_socket_still_reachable_keeps_its_listeners_after_close(run_loop):
    kept = []

    def make(bound):
        sock = dgram.createSocket('udp4')
        kept.append(sock)
        _listen_and_close_on_message(sock, bound)
    assert _serve(run_loop, make) == COUNT
    for sock in kept:
        assert sock.listenerCount('message') == 1
        assert sock.listenerCount('close') == 1


def _listen_and_close_on_message(sock, bound):
    sock.on('message', lambda msg, rinfo: sock.send(msg, rinfo.port, rinfo.address,
                                                     lambda *_: sock.close()))
    sock.on('close', lambda: None)
    sock.bind(0, '127.0.0.1', lambda: bound(sock.address().port))


def _left_alive(run_loop, make, count=COUNT):
    """How many more sockets are alive than before once ``make()`` ran
    ``count`` times and then the loop, with the cyclic GC off."""
    gc.collect()
    before = _sockets_alive()
    gc.disable()
    try:
        for _ in range(count):
            make()
        run_loop()
        return _sockets_alive() - before
    finally:
        gc.enable()


def _echo_listener(sock):
    sock.on('message', lambda msg, rinfo: sock.send(msg, rinfo.port, rinfo.address))


def test_a_socket_never_bound_is_freed_at_close_without_the_gc(run_loop):
    def make():
        sock = dgram.createSocket('udp4')
        _echo_listener(sock)
        sock.close(lambda: sock.type)
    assert _left_alive(run_loop, make) == 0


def test_a_socket_closed_while_binding_is_freed_at_close_without_the_gc(run_loop):
    def make():
        sock = dgram.createSocket('udp4')
        _echo_listener(sock)
        sock.bind(0, '127.0.0.1', lambda: sock.address())
        sock.close()
    assert _left_alive(run_loop, make) == 0


def test_a_socket_closed_with_a_send_queued_for_its_bind_is_freed_without_the_gc(run_loop):
    def make():
        sock = dgram.createSocket('udp4')
        _echo_listener(sock)
        sock.send(b'x', 9, '127.0.0.1', lambda *_: sock.type)
        sock.close()
    assert _left_alive(run_loop, make) == 0


def test_a_socket_whose_bind_failed_is_freed_at_close_without_the_gc(run_loop):
    holder = dgram.createSocket('udp4')
    ports = []
    holder.bind(0, '127.0.0.1', lambda: ports.append(holder.address().port))
    holder.unref()
    run_loop()
    port = ports[0]
    codes = []

    def make():
        sock = dgram.createSocket('udp4')
        _echo_listener(sock)
        sock.on('error', lambda err: (codes.append(err.code), sock.close()))
        sock.bind(port, '127.0.0.1')
    try:
        assert _left_alive(run_loop, make) == 0
        assert codes == ['EADDRINUSE'] * COUNT
    finally:
        holder.close()
        run_loop()

