"""The benchmark's load generator checks every echoed byte.

It is run against small thread-per-connection echo servers: a faithful one
(the load generator must succeed and report sane figures) and ones that
corrupt the stream (it must fail, and say so). The reporting must give
every figure with its spread. The HTTP servers the runner loads are in
test_bench_http_servers.py.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench_support import (  # noqa: F401 (loadgen: a fixture)
    ROOT, EchoServer, load_by_path, loadgen, server_starter)
from runner import build  # noqa: E402


def every(n, change):
    """A corruption applying ``change(chunk, i)`` at stream offsets k*n - 1."""
    def corrupt(chunk, offset):
        i = n - 1 - offset % n
        while i < len(chunk):
            chunk = change(chunk, i)
            i += n
        return chunk
    return corrupt


def flip(chunk, i):
    return chunk[:i] + bytes([chunk[i] ^ 0x20]) + chunk[i + 1:]


def drop(chunk, i):
    return chunk[:i] + chunk[i + 1:]


def swallow_after(n):
    """A corruption that echoes a connection's first n bytes only."""
    return lambda chunk, offset: chunk[:max(0, n - offset)]


def run(loadgen, target, *args, duration=0.5):
    proc = subprocess.run([str(loadgen), *args, '--warmup', '0.1', '--duration', str(duration),
                           target], capture_output=True, text=True, timeout=30)
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout  # exactly one JSON line, success or not
    return proc.returncode, json.loads(lines[0]), proc.stderr


@pytest.fixture
def serve():
    yield from server_starter(EchoServer)


@pytest.mark.parametrize('mode, figure', [
    (('--mode', 'pingpong', '--size', '1024', '--conns', '4'), 'rps'),
    (('--mode', 'stream', '--size', '65536', '--conns', '2'), 'mib_s'),
    (('--mode', 'connrate', '--conns', '4'), 'conn_s'),
])
def test_faithful_echo_passes(loadgen, serve, mode, figure):
    code, result, stderr = run(loadgen, serve(), *mode)
    assert code == 0, stderr
    assert result['ok'] is True
    assert result[figure] > 0
    assert result['total_bytes'] > 0
    if 'p50_us' in result:
        assert 0 < result['p50_us'] <= result['p99_us']


def test_connrate_stops_opening_connections_at_requests(loadgen, serve):
    """bench/conn_instructions.py divides by the connections echoed: with
    --requests, connrate measures that many and then only finishes the
    slots in flight (one byte each in total_bytes)."""
    proc = subprocess.run([str(loadgen), '--mode', 'connrate', '--conns', '4', '--warmup', '0',
                           '--duration', '20', '--requests', '200', serve()],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result['connections'] == 200
    assert 200 <= result['total_bytes'] <= 203


def test_unix_socket_target(loadgen, serve, tmp_path):
    path = str(tmp_path / 'echo.sock')
    code, result, stderr = run(loadgen, serve(family=socket.AF_UNIX, path=path),
                               '--mode', 'pingpong', '--size', '64', '--conns', '3')
    assert code == 0, stderr
    assert result['transport'] == 'unix' and result['requests'] > 0


@pytest.mark.parametrize('mode, corrupt, message', [
    (('--mode', 'pingpong', '--size', '1024'), every(100_003, flip), 'mismatch'),
    (('--mode', 'pingpong', '--size', '1024'), every(100_003, drop), 'mismatch'),
    (('--mode', 'stream', '--size', '65536'), every(100_003, flip), 'mismatch'),
    (('--mode', 'stream', '--size', '65536'), every(100_003, drop), 'mismatch'),
    # Lost tail: a request waits for bytes that never come; found at the drain.
    (('--mode', 'pingpong', '--size', '1000'), swallow_after(50_500), 'bytes echoed'),
])
def test_corrupted_echo_fails(loadgen, serve, mode, corrupt, message):
    target = serve(corrupt=corrupt)
    code, result, stderr = run(loadgen, target, *mode, '--conns', '2', duration=1.0)
    assert code != 0
    assert result['ok'] is False
    assert message in result['error']
    assert message in stderr


def test_bad_target_is_an_error(loadgen):
    code, result, _ = run(loadgen, '127.0.0.1:1', '--mode', 'pingpong')
    assert code != 0 and 'connect' in result['error']


def test_http_hello_framing_is_pipelining_safe():
    sys.path.insert(0, str(ROOT / 'bench' / 'servers'))
    try:
        hello = load_by_path('http_hello', ROOT / 'bench' / 'http_hello.py')
    finally:
        sys.path.remove(str(ROOT / 'bench' / 'servers'))
    framer = hello.HelloFramer()
    get = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
    post = b'POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello'
    stream = get * 2 + post + get
    replies = b''
    for i in range(0, len(stream), 7):  # arbitrary chunk boundaries
        reply, close = framer.feed(stream[i:i + 7])
        assert not close
        replies += reply
    assert replies == hello.RESPONSE * 2 + hello.posted(5) + hello.RESPONSE
    assert hello.posted(5) == (b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n'
                               b'Content-Length: 2\r\n\r\n5\n')
    assert hello.HelloFramer().feed(post.replace(b'\r\n\r\n', b'\r\nConnection: close\r\n\r\n')
                                    + get) == (hello.posted(5, closing=True), True)
    assert framer.feed(b'GET / HTTP/1.1\r\nConnection: close\r\n\r\n' + get) == \
        (hello.CLOSING_RESPONSE, True)
    assert hello.HelloFramer().feed(get + b'GET / HTTP/1.0\r\n\r\n') == \
        (hello.RESPONSE + hello.CLOSING_RESPONSE, True)
    assert b'\r\nConnection: close\r\n' in hello.CLOSING_RESPONSE
    bad = hello.HelloFramer().feed(b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n')
    assert bad == (hello.BAD_REQUEST, True)


def test_compiles_without_warnings(loadgen, tmp_path):
    sources = [str(ROOT / 'bench' / name) for name in build.LOADGEN_SOURCES]
    proc = subprocess.run([*build.compiler(), *build.CFLAGS, '-Werror', *sources,
                           '-o', str(tmp_path / 'loadgen')], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_uv_proxy_compiles_without_warnings(tmp_path):
    try:
        flags = build.libuv_flags()
    except build.BuildError as err:
        pytest.skip(str(err))
    proc = subprocess.run([*build.compiler(), *build.CFLAGS, '-Werror',
                           str(ROOT / 'bench' / 'uv_proxy.c'), *flags,
                           '-o', str(tmp_path / 'uv_proxy')], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize('name', ['pyuvnet-proxy', 'node-proxy', 'uvloop-proxy', 'libuv-proxy'])
def test_each_proxy_carries_the_echo_both_ways(loadgen, serve, name):
    """The proxy rows (--full): each proxy, in front of a faithful echo
    server, passes ping-pong and a stream (every byte checked by the load
    generator, and the drain's half-closes passed through both ways)."""
    from runner import systems
    from runner.procs import Server
    system = next(s for s in systems.PROXY if s.name == name)
    try:
        argv = system.command()
    except systems.Missing as err:
        pytest.skip(str(err))
    upstream = serve()
    with Server([*argv, upstream], None, systems.server_env()) as proxy:
        for mode, size in (('pingpong', '1024'), ('stream', '65536')):
            code, result, err = run(loadgen, f'127.0.0.1:{proxy.ready_line}', '--mode', mode,
                                    '--size', size, '--conns', '4')
            assert code == 0 and result['ok'], (mode, result, err)


@pytest.mark.parametrize('flags', [(), ('--idiom',), ('--pipe',)])
def test_each_pyuvnet_echo_idiom_echoes_every_byte(loadgen, flags):
    """bench/servers/pyuvnet_echo.py's servers (a Python callback, the idiom
    on('data', sock.write), pipe(): conn_instructions.py --server), each
    checked byte for byte by the load generator, 1 KiB and 64 KiB messages."""
    from runner import systems
    from runner.procs import Server
    script = ROOT / 'bench' / 'servers' / 'pyuvnet_echo.py'
    with Server([sys.executable, str(script), *flags], None, systems.server_env()) as server:
        for size in ('1024', '65536'):
            code, result, err = run(loadgen, f'127.0.0.1:{server.ready_line}', '--mode',
                                    'pingpong', '--size', size, '--conns', '4')
            assert code == 0 and result['ok'], (flags, size, result, err)


def test_loadgen_reports_the_servers_cpu_in_the_window(loadgen, serve):
    """--server-pid: the load generator reads the server's CPU time as its
    window opens and closes; the runner turns it into CPU per operation.
    The echo server here is this very process (it runs on threads)."""
    from runner import load
    from runner.scenarios import Scenario
    result = load.run(loadgen, serve(), Scenario('pingpong', size=1024, conns=4), 0.5, 0.1,
                      None, server_pid=os.getpid())
    assert result['server_user_s'] >= 0 and result['server_sys_s'] >= 0
    cpu = result['server_user_s'] + result['server_sys_s']
    assert cpu > 0  # half a second of threads echoing cannot take no tick at all
    if cpu >= load.MIN_CPU_SECONDS:
        assert result['cpu_us'] == pytest.approx(cpu * 1e6 / result['requests'])
    else:  # too few 10 ms ticks to divide
        assert 'cpu_us' not in result


TREE = """
import subprocess, sys, time
busy = 'import time\\nend = time.time() + 10\\nwhile time.time() < end: pass'
child = subprocess.Popen([sys.executable, '-c', busy])
print(child.pid, flush=True)
child.wait()
"""


def test_a_servers_cpu_counts_its_child_processes_as_a_clusters_workers(loadgen, serve):
    """A cluster's primary sleeps while its workers serve: the runner names
    every process of the server's tree to the load generator, which sums
    them. Here the primary waits and its one child spins."""
    from runner import load
    from runner.procs import cpu_seconds
    from runner.scenarios import Scenario
    primary = subprocess.Popen([sys.executable, '-c', TREE], stdout=subprocess.PIPE, text=True)
    worker = int(primary.stdout.readline())
    try:
        argv = load.argv_for(loadgen, 'target', Scenario('pingpong'), 1, server_pid=primary.pid)
        assert argv[argv.index('--server-pid'):][:4] == [
            '--server-pid', str(primary.pid), '--server-pid', str(worker)]
        spun = -cpu_seconds(worker)[0]
        result = load.run(loadgen, serve(), Scenario('pingpong', size=64, conns=2), 0.5, 0.1,
                          None, server_pid=primary.pid)
        spun += cpu_seconds(worker)[0]
        # The primary sleeps, so the figure is the child's: a good part of
        # what the child spun around the run, whatever else loads the machine.
        assert spun > 0 and result['server_user_s'] >= spun / 4
    finally:
        os.kill(worker, signal.SIGKILL)
        primary.wait()


def test_loadgen_fails_on_a_server_pid_that_is_gone(loadgen, serve):
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    code, result, _ = run(loadgen, serve(), '--mode', 'pingpong', '--server-pid', str(dead.pid))
    assert code != 0 and f'/proc/{dead.pid}/stat' in result['error']


def test_a_pinned_server_runs_on_its_cpu_alone_under_its_own_pid():
    """The runner pins a child at exec (taskset), with no preexec_fn: the
    program, under the pid the runner watches, may run on that CPU alone."""
    from runner.procs import Server, cpu_plan
    plan = cpu_plan()
    if plan.server is None:
        pytest.skip(plan.note)
    report = ('import os, sys; print(os.getpid(), *sorted(os.sched_getaffinity(0)), '
              'flush=True)')
    with Server([sys.executable, '-c', report], plan.server) as server:
        assert server.ready_line.split() == [str(server.pid), str(plan.server)]


def saved_run(date, pyuvnet_runs, instr):
    """A run's record as bench/runner/report.save writes it, with one cell."""
    from runner.results import Results
    from runner.scenarios import Scenario
    results = Results()
    for rps, cpu in pyuvnet_runs:
        results.add(Scenario('pingpong', size=1024, conns=10), 'pyuvnet',
                    {'rps': rps, 'p99_us': 90.0, 'cpu_us': cpu})
    results.instructions = {'pyuvnet': {'instr_per_msg': instr, 'settled': True}}
    return {'date': date, 'host': 'h', 'cpu': 'c', 'cpus': 2, 'kernel': 'k',
            'python': '3.11', 'pinning': 'pinned', 'elapsed_s': 1.0, 'pyuvnet_echo': 'callback',
            'settings': {'repeats': len(pyuvnet_runs), 'seconds': 0.4, 'warmup': 0.1},
            **results.to_json()}


def test_markdown_tables_give_median_spread_and_change_between_the_markers(tmp_path):
    from runner import markdown
    after = saved_run('after', [(300.0, 2.0), (100.0, 3.0), (200.0, 2.5)], 2_400)
    before = saved_run('before', [(150.0, 5.0)], 3_600)
    text = markdown.render(after, before)
    assert '| pyuvnet | 200 (100–300) | 1.00× | 90.0 | 2.5 (2.0–3.0) | 1.00× | 150 | 5.0 | ' \
        '-50% |' in text
    assert '| pyuvnet | 2,400 | 3,600 | -33% |' in text
    page = tmp_path / 'RESULTS.md'
    page.write_text(f'prose before\n{markdown.BEGIN}\nold tables\n{markdown.END}\nprose after\n')
    markdown.write_into(page, text)
    written = page.read_text()
    assert written.startswith('prose before\n') and written.endswith('\nprose after\n')
    assert 'old tables' not in written and '2.5 (2.0–3.0)' in written


def test_a_terminated_run_stops_every_server_it_started():
    """SIGTERM (a time limit, a killed make) stops the runner as Ctrl-C
    would: the servers it started are stopped, not left serving."""
    from runner.procs import alive, process_tree
    run_py = ROOT / 'bench' / 'run.py'
    proc = subprocess.Popen([sys.executable, str(run_py), '--only', 'pyuvnet', '--seconds', '5',
                             '--repeats', '1'], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while 'pinning:' not in proc.stderr.readline():  # the servers come up next
            assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(2)
        servers = process_tree(proc.pid)[1:]
        assert servers, 'the runner started no server'
        proc.terminate()
        assert proc.wait(30) == 128 + signal.SIGTERM
    finally:
        proc.kill()
    time.sleep(0.5)
    left = [pid for pid in servers if alive(pid)]
    for pid in left:  # a failure leaves no server behind either
        os.kill(pid, signal.SIGKILL)
    assert left == []


SPIN = 'import time\nend = time.time() + 10\nprint(1, flush=True)\nwhile time.time() < end: pass'


@pytest.mark.load_sensitive
def test_loadgen_samples_the_servers_user_time_finely(loadgen, serve):
    """server_user_sampled_s (loadgen_usercpu.c): a process that only spins
    in user space is sampled as user time, as much as /proc counts it
    in all (within the ticks' coarseness and the machine's other load)."""
    from runner import load
    from runner.scenarios import Scenario
    if Path('/proc/sys/kernel/perf_event_paranoid').read_text().strip() == '3':
        pytest.skip('perf events are off on this kernel (perf_event_paranoid 3)')
    spinner = subprocess.Popen([sys.executable, '-c', SPIN], stdout=subprocess.PIPE, text=True)
    try:
        spinner.stdout.readline()
        result = load.run(loadgen, serve(), Scenario('pingpong', size=64, conns=2), 1.0, 0.1,
                          None, server_pid=spinner.pid)
    finally:
        spinner.kill()
        spinner.wait()
    counted = result['server_user_s'] + result['server_sys_s']
    assert counted > 0.1
    assert result['server_user_sampled_s'] == pytest.approx(counted, rel=0.25, abs=0.03)
