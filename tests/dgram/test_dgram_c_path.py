"""What runs per datagram: 'message' is emitted from C (recvmmsg batches
where the kernel has it) and an echo's send() is C too, so that a server
runs no Python of pyuvnet's own, only the user's listener (docs/DGRAM.md).
And the paths around it: a raising listener, several listeners, the
socket's fds and memory given back at close."""
import gc
import socket
import sys
import threading
import tracemalloc
import weakref

import pytest

import pyuvnet as net
from pyuvnet import _uv, dgram
from support import open_fd_count, pyuvnet_frames


def _client_thread(port, count, size=64):
    """A thread sending ``count`` datagrams one at a time, each waiting for
    its echo (not profiled: sys.setprofile is per thread)."""
    failures = []

    def run():
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(10)
                for i in range(count):
                    payload = b'%05d' % i + b'x' * (size - 5)
                    s.sendto(payload, ('127.0.0.1', port))
                    assert s.recv(65536) == payload
        except Exception as exc:
            failures.append(exc)
    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def test_an_echo_runs_no_python_of_pyuvnet(run_loop):
    server = dgram.createSocket('udp4')
    counts, profile = pyuvnet_frames()
    echoed = []

    def on_message(msg, rinfo):
        server.send(msg, rinfo['port'], rinfo['address'])
        echoed.append(1)
        if len(echoed) == 50:
            sys.setprofile(None)
            net.setTimeout(server.close, 20)
    server.on('message', on_message)
    threads = []

    def listening():
        threads.append(_client_thread(server.address().port, 50))
        sys.setprofile(profile)
    server.bind(0, '127.0.0.1', listening)
    try:
        run_loop(timeout=20)
    finally:
        sys.setprofile(None)
    thread, failures = threads[0]
    thread.join()
    assert not failures
    assert counts == {}


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='recvmmsg is Linux')
def test_datagrams_are_read_with_recvmmsg(run_loop):
    sock = dgram.createSocket('udp4')
    seen = []
    sock.bind(0, '127.0.0.1', lambda: (seen.append(sock._handle.using_recvmmsg()), sock.close()))
    run_loop()
    assert _uv.udp_recvmmsg_flag() and seen == [True]


def test_a_burst_larger_than_a_batch_arrives_whole_and_in_order(run_loop):
    sock = dgram.createSocket('udp4')
    got = []

    def on_message(msg, rinfo):
        got.append(msg)
        if len(got) == 100:
            sock.close()
    sock.on('message', on_message)

    def bound():
        raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(100):
            raw.sendto(b'%03d' % i * (i + 1), ('127.0.0.1', sock.address().port))
        raw.close()
    sock.bind(0, '127.0.0.1', bound)
    run_loop()
    assert got == [b'%03d' % i * (i + 1) for i in range(100)]


def test_a_datagram_as_large_as_udp_allows(run_loop):
    sock = dgram.createSocket('udp4')
    got = []
    sock.on('message', lambda msg, rinfo: (got.append((len(msg), rinfo.size)), sock.close()))
    big = bytes(range(256)) * 255 + b'x' * 227     # 65507 bytes, IPv4's largest
    sock.bind(0, '127.0.0.1', lambda: sock.send(big, sock.address().port, '127.0.0.1'))
    run_loop()
    assert got == [(65507, 65507)]


def test_a_raising_listener_stops_run_and_the_socket_goes_on(run_loop):
    sock = dgram.createSocket('udp4')
    got = []

    def on_message(msg, rinfo):
        got.append(msg)
        if msg == b'boom':
            raise ValueError('listener failed')
        sock.close()
    sock.on('message', on_message)
    sock.bind(0, '127.0.0.1', lambda: sock.send(b'boom', sock.address().port, '127.0.0.1'))
    with pytest.raises(ValueError, match='listener failed'):
        run_loop()
    sock.send(b'again', sock.address().port, '127.0.0.1')
    run_loop()
    assert got == [b'boom', b'again']


def test_every_message_listener_is_called_in_order(run_loop):
    sock = dgram.createSocket('udp4')
    log = []
    sock.on('message', lambda msg, rinfo: log.append(('first', msg)))
    sock.on('message', lambda msg, rinfo: log.append(('second', msg)))
    sock.once('message', lambda msg, rinfo: (log.append(('once', msg)), sock.close()))
    sock.bind(0, '127.0.0.1', lambda: sock.send(b'm', sock.address().port, '127.0.0.1'))
    run_loop()
    assert log == [('first', b'm'), ('second', b'm'), ('once', b'm')]


def test_no_message_listener_drops_datagrams(run_loop):
    sock = dgram.createSocket('udp4')
    sock.bind(0, '127.0.0.1', lambda: sock.send(b'm', sock.address().port, '127.0.0.1'))
    net.setTimeout(sock.close, 50)
    run_loop()


def test_close_gives_back_the_fd_and_frees_the_socket(run_loop):
    before = open_fd_count()
    socks = [dgram.createSocket('udp4') for _ in range(20)]
    for s in socks:
        s.bind(0, '127.0.0.1')
        s.on('message', lambda msg, rinfo: None)
    net.setTimeout(lambda: [s.close() for s in socks], 20)
    run_loop()
    assert open_fd_count() == before
    refs = [weakref.ref(s) for s in socks]
    gc.disable()
    try:
        del socks, s
        # No cycle left between the socket and its handle: freed at once.
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_an_unbound_socket_dropped_holds_nothing():
    sock = dgram.createSocket('udp4')
    ref = weakref.ref(sock)
    del sock
    assert ref() is None


def test_a_handle_initialised_twice_is_refused_and_allocates_nothing(run_loop):
    # The refusal comes before the uv_udp_t block is allocated (it once
    # came after, and each refused call leaked the block, ~230 bytes).
    sock = dgram.createSocket('udp4')
    handle = sock._udp()

    def refusals(count):
        refused = 0
        for _ in range(count):
            try:
                handle.__init__(sock)
            except RuntimeError as exc:
                refused += 'already initialised' in str(exc)
        return refused
    tracemalloc.start()
    try:
        refusals(50)        # the interpreter's first-time caches
        before = tracemalloc.get_traced_memory()[0]
        refused = refusals(200)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    sock.close()
    run_loop()
    assert refused == 200
    assert grown < 2048
