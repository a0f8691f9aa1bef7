"""bench/cluster_bench.py's pieces: the cluster servers it starts (pyuvnet's
and Node's) announce one port once every worker listens, serve on it, and
leave no worker behind when stopped; a cell's figures are counted from the
load generator and /proc."""
import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

from bench_support import load_by_path, loadgen  # noqa: F401 (the loadgen fixture)

ROOT = Path(__file__).resolve().parents[2]
bench = load_by_path('cluster_bench', ROOT / 'bench' / 'cluster_bench.py')
from runner import procs, systems  # noqa: E402 (test_bench put bench/ on sys.path)

NODE = shutil.which('node') or ('/usr/bin/node' if os.path.exists('/usr/bin/node') else None)
pytestmark = pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc')


def echo_once(port, payload):
    with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
        sock.sendall(payload)
        received = b''
        while len(received) < len(payload):
            chunk = sock.recv(len(payload))
            assert chunk, 'closed before the echo'
            received += chunk
        return received


@pytest.mark.parametrize('runtime', ['pyuvnet', 'node'])
@pytest.mark.parametrize('policy', ['rr', 'none'])
def test_a_cluster_server_serves_one_port_and_stops_with_its_workers(runtime, policy):
    if runtime == 'node' and NODE is None:
        pytest.skip('node is not installed')
    env = dict(systems.server_env(), NODE_CLUSTER_SCHED_POLICY=policy)
    server = procs.Server(bench.server_argv(runtime, 'echo', 2), None, env=env, ready_timeout=30)
    workers = bench.children(server.pid)
    try:
        port = int(server.ready_line)
        assert len(workers) == 2
        for n in range(4):
            assert echo_once(port, b'ping %d' % n) == b'ping %d' % n
        assert bench.cpu_seconds(server.pid) >= 0
    finally:
        bench.stop_cluster(server, workers)
    assert not [pid for pid in workers if os.path.exists('/proc/%d' % pid)]


def test_a_cell_counts_requests_and_splits_cpu_between_primary_and_workers(loadgen):  # noqa: F811
    figures = bench.run_cell(('pyuvnet', 'echo', 2, 'rr', 'throughput'), 0.5, loadgen)
    assert figures['requests'] > 0 and figures['rate'] > 0
    assert figures['cpu_us_per_request'] == pytest.approx(
        figures['primary_cpu_us_per_request'] + figures['worker_cpu_us_per_request'])
    # Keep-alive connections: the workers do nearly all the work.
    assert figures['worker_cpu_us_per_request'] > figures['primary_cpu_us_per_request']
    # One connection per request, each accepted by the primary.  CPU is
    # read in 10 ms ticks: 2 s, so that even a loaded machine's few hundred
    # accepts add up to one.
    handoff = bench.run_cell(('pyuvnet', 'echo', 1, 'rr', 'handoff'), 2.0, loadgen)
    assert handoff['requests'] > 0 and handoff['primary_cpu_us_per_request'] > 0
