"""Leaks and scale (issue 13).

Leaks: connect/close cycles, alternating FIN (end) and RST
(resetAndDestroy / SO_LINGER 0), with a pyuvnet client and with a
plain-socket client process; every cycle counted on both sides. Bounds: the
fd count ends exactly where it started; RSS ends within RSS_GROWTH_BOUND of
what it was after a warm-up (not under ASan, whose quarantine keeps what
is freed: support.RSS_IS_OURS).

Scale: concurrent idle connections from clients spread over 127.0.0.x
(10,000 long, or what the fd hard limit leaves room for: both ends are here);
per-connection RSS reported and bounded (PER_CONNECTION_BOUND for both
ends of one connection); everything closed and the fds back to baseline.
"""
import gc
import resource
import subprocess
import sys
import textwrap

import pyuvnet as net

from sequences_support import warm_up_loop
from stress_support import fds_available, raise_fd_limit, scaled
from support import RSS_IS_OURS, open_fd_count, rss_bytes

RSS_GROWTH_BOUND = 16 * 2**20
PER_CONNECTION_BOUND = 24 * 2**10
IN_FLIGHT = 64


def cycle_server(counts):
    """A server whose sockets answer one byte per chunk and count how each
    connection ended."""
    def on_connection(sock):
        counts['accepted'] += 1
        sock.on('data', lambda chunk: sock.write(b'k'))
        sock.on('error', lambda err: counts.__setitem__('reset', counts['reset'] + 1))
        sock.on('close', lambda had_error: counts.__setitem__('closed', counts['closed'] + 1))
    counts.update(accepted=0, reset=0, closed=0)
    return net.createServer(on_connection)


def test_connect_close_cycles_with_a_pyuvnet_client_leak_nothing(run_loop, figures):
    cycles = scaled(10_000, 100_000)
    warm_up = 1_000
    counts = {}
    warm_up_loop()
    fds_before = open_fd_count()
    server = cycle_server(counts)
    server.listen(0, '127.0.0.1')
    port = server.address().port
    state = {'started': 0, 'done': 0, 'rss_warm': None}

    def start_one():
        index = state['started']
        state['started'] += 1
        client = net.connect(port, '127.0.0.1')
        client.on('error', lambda err: None)
        client.write(b'x')

        def on_answer(chunk):
            # Even cycles close with FIN, odd ones with RST.
            client.end() if index % 2 == 0 else client.resetAndDestroy()
        client.once('data', on_answer)
        client.on('close', lambda had_error: finished())

    def finished():
        state['done'] += 1
        if state['done'] == warm_up:
            gc.collect()
            state['rss_warm'] = rss_bytes()
        if state['started'] < cycles:
            start_one()
        elif state['done'] == cycles:
            server.close()

    for _ in range(IN_FLIGHT):
        start_one()
    run_loop(timeout=scaled(120, 1200))
    gc.collect()
    growth = rss_bytes() - state['rss_warm']
    figures(cycles=cycles, rss_growth_bytes=growth, fds_before=fds_before, fds_after=open_fd_count())
    assert state['done'] == counts['accepted'] == counts['closed'] == cycles
    assert counts['reset'] <= cycles // 2
    assert open_fd_count() == fds_before
    assert growth < RSS_GROWTH_BOUND or not RSS_IS_OURS, 'RSS grew %d bytes over %d cycles' % (growth, cycles)


PLAIN_CLIENT = textwrap.dedent('''
    import socket, struct, sys, time
    port, cycles, deadline = int(sys.argv[1]), int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
    for i in range(cycles):
        if time.monotonic() > deadline:
            sys.exit('plain client: out of time after %d cycles' % i)
        s = socket.create_connection(('127.0.0.1', port))
        s.sendall(b'x')
        assert s.recv(1) == b'k'
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        s.close()
''')


def test_connect_close_cycles_with_a_plain_socket_client_process_leak_nothing(run_loop, figures):
    cycles = scaled(10_000, 100_000)
    seconds = scaled(120, 1200)
    counts = {}
    warm_up_loop()
    fds_before = open_fd_count()
    server = cycle_server(counts)
    server.listen(0, '127.0.0.1')
    rss = {}

    def on_close(had_error):
        if counts['closed'] == 1_000:
            gc.collect()
            rss['warm'] = rss_bytes()
        if counts['closed'] == cycles:
            server.close()
    server.on('connection', lambda sock: sock.on('close', on_close))
    client = subprocess.Popen([sys.executable, '-c', PLAIN_CLIENT, str(server.address().port),
                               str(cycles), str(seconds)])
    try:
        run_loop(timeout=seconds + 10)
    finally:
        try:
            returncode = client.wait(timeout=30)
        except subprocess.TimeoutExpired:
            client.kill()
            returncode = client.wait()
    gc.collect()
    growth = rss_bytes() - rss['warm']
    figures(cycles=cycles, rss_growth_bytes=growth, fds_before=fds_before, fds_after=open_fd_count())
    assert returncode == 0
    assert counts['accepted'] == counts['closed'] == cycles
    assert open_fd_count() == fds_before
    assert growth < RSS_GROWTH_BOUND or not RSS_IS_OURS, 'RSS grew %d bytes over %d cycles' % (growth, cycles)


def test_concurrent_idle_connections_cost_little_and_all_close(run_loop, figures):
    # Both ends live in this process: two fds a connection, within the hard
    # limit (20,000 on this machine's sandbox, which root cannot raise).
    connections = min(scaled(2_000, 10_000), (fds_available() - 200) // 2)
    limits = raise_fd_limit(2 * connections + 100)
    try:
        warm_up_loop()
        fds_before = open_fd_count()
        accepted = []
        server = net.createServer(accepted.append)
        server.listen({'port': 0, 'host': '127.0.0.1', 'backlog': 4096})
        port = server.address().port
        gc.collect()
        rss_before = rss_bytes()
        clients = []
        ready = {'connected': 0}

        def on_connect():
            ready['connected'] += 1
        for index in range(connections):
            # Spread over 127.0.0.2 .. 127.0.0.201 as local addresses.
            client = net.connect({'port': port, 'host': '127.0.0.1',
                                  'localAddress': '127.0.0.%d' % (2 + index % 200)}, on_connect)
            clients.append(client)
        stop_when = net.setInterval(
            lambda: net.stop() if ready['connected'] == connections and len(accepted) == connections else None, 20)
        run_loop(timeout=scaled(60, 300))
        stop_when.close()
        gc.collect()
        per_connection = (rss_bytes() - rss_before) / connections
        peers = {sock.remoteAddress for sock in accepted}
        figures(connections=connections, rss_per_connection_bytes=int(per_connection),
                distinct_client_addresses=len(peers))
        assert len(accepted) == ready['connected'] == connections
        assert len(peers) == min(200, connections)
        assert per_connection < PER_CONNECTION_BOUND
        for client in clients:
            client.destroy()
        server.close()
        run_loop(timeout=scaled(60, 300))
        assert server.listening is False
        assert open_fd_count() == fds_before
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, limits)
