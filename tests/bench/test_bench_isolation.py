"""One server runnable at a time (bench/runner/isolate.py): while the runner
measures a server, the others of its section are stopped, so one that
spins while idle (fastpysgi's ASGI server does, at a whole core) takes
nothing from the measured one's CPU; every stopped server is continued
however the measurement ends; each server's idle CPU is recorded and
noted under the tables; and wrk's runs sample the server's user CPU over
its whole process tree (bench/cpu_sampler.c)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench_support import loadgen  # noqa: F401 (a fixture)
from runner import http, load, markdown, runner  # noqa: E402
from runner.isolate import IDLE_NOTE_SHARE, frozen, idle_note, run_ns, state  # noqa: E402
from runner.procs import Server, alive, cpu_seconds, process_tree  # noqa: E402
from runner.results import Results  # noqa: E402
from runner.scenarios import Scenario  # noqa: E402
from runner.systems import System  # noqa: E402

if not Path('/proc/self/task').is_dir() or not hasattr(signal, 'SIGSTOP'):
    pytest.skip('needs Linux /proc and job-control signals', allow_module_level=True)

# Fake servers: each prints a "port" as a server's ready line, then spins
# or sleeps; bounded, so a failed test leaves nothing running for long.
SPIN = 'import time\nend = time.time() + 30\nprint(1, flush=True)\nwhile time.time() < end: pass'
SLEEP = 'import time\nprint(2, flush=True)\ntime.sleep(30)'
# A tree: a primary that sleeps and a worker child that spins (granian's shape).
TREE = ('import subprocess, sys, time\n'
        'child = subprocess.Popen([sys.executable, "-c", "import time\\n'
        'end = time.time() + 30\\nwhile time.time() < end: pass"])\n'
        'print(3, flush=True)\nchild.wait()')
WINDOW = 0.5


def fake(name, script):
    return System(name, name, lambda: [sys.executable, '-c', script])


@pytest.fixture
def bench(loadgen):  # noqa: F811
    settings = runner.Settings(seconds=0.1, warmup=0.1, repeats=1, full=False, http=False,
                               instructions=False, only=())
    made = runner.Bench(settings, lambda message: None)
    yield made
    made.close()


def share(pid, seconds=WINDOW):
    """(the share of a core process ``pid``'s tree ran over ``seconds``)."""
    pids = process_tree(pid)
    began = run_ns(pids)
    time.sleep(seconds)
    return (run_ns(pids) - began) / 1e9 / seconds


@pytest.mark.load_sensitive
def test_a_server_spinning_while_idle_takes_nothing_from_the_measured_one(bench):
    """Two servers pinned to the server's CPU: one spins while idle, the
    other is measured (here it spins too, as a loaded server would). In
    the measured window the idle spinner does not run at all, so the
    measured one does not share its CPU with it; outside, the spinner runs."""
    scenario = Scenario('pingpong')
    seen = {}

    def measure(server, spinner):
        seen['spinner_state'] = state(spinner.pid)
        before = run_ns([spinner.pid])
        seen['measured'] = share(server.pid)
        seen['spinner_ns'] = run_ns([spinner.pid]) - before
        return {'rps': 1.0}

    with bench.servers([fake('idle-spinner', SPIN), fake('measured', SPIN)], 'tcp',
                       [scenario]) as running:
        spinner, measured = running['idle-spinner'][0], running['measured'][0]
        assert bench.attempt(scenario, 'measured', measured,
                             lambda: measure(measured, spinner)) != 'error'
        assert share(spinner.pid, 0.2) > 0  # continued after the window
    assert seen['spinner_state'] == 'T'
    assert seen['spinner_ns'] < 0.01 * WINDOW * 1e9
    assert seen['measured'] > 0.1  # it ran: alone on its CPU but for other load


@pytest.mark.load_sensitive
def test_every_stopped_process_is_continued_when_a_measurement_fails(bench):
    """A run error (recorded), and a Ctrl-C (raised through): after either,
    every process of the other servers' trees runs again, a primary's
    worker too."""
    scenario = Scenario('pingpong')

    def fails():
        raise load.RunError('the load generator failed')

    def interrupted():
        raise KeyboardInterrupt

    with bench.servers([fake('tree', TREE), fake('sleeper', SLEEP)], 'tcp',
                       [scenario]) as running:
        tree, sleeper = running['tree'][0], running['sleeper'][0]
        pids = process_tree(tree.pid)
        assert len(pids) == 2
        assert bench.attempt(scenario, 'sleeper', sleeper, fails) == 'error'
        assert [state(pid) for pid in pids] != ['T', 'T'] and share(tree.pid, 0.2) > 0
        with pytest.raises(KeyboardInterrupt):
            bench.attempt(Scenario('stream'), 'sleeper', sleeper, interrupted)
        assert 'T' not in [state(pid) for pid in pids] and share(tree.pid, 0.2) > 0
    assert not [pid for pid in pids if alive(pid)]


def test_frozen_stops_a_whole_tree_and_continues_it():
    primary = subprocess.Popen([sys.executable, '-c', TREE], stdout=subprocess.PIPE, text=True)
    try:
        primary.stdout.readline()
        pids = process_tree(primary.pid)
        with frozen([primary.pid]) as stopped:
            assert stopped == pids and [state(pid) for pid in pids] == ['T', 'T']
            ran = run_ns(pids)
            time.sleep(0.2)
            assert run_ns(pids) == ran
        assert 'T' not in [state(pid) for pid in pids]
    finally:
        for pid in reversed(process_tree(primary.pid)):
            os.kill(pid, signal.SIGKILL)
        primary.wait()
        primary.stdout.close()


STOPPABLE = ('import signal, sys, time\n'
             'signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))\n'
             'print(4, flush=True)\ntime.sleep(30)')


def test_a_stopped_server_still_stops_at_once_on_its_sigterm():
    """Server.stop() continues what it terminates: a stopped server's
    SIGTERM handler runs (its own exit status), with no SIGKILL after
    the grace."""
    server = Server([sys.executable, '-c', STOPPABLE], None)
    os.kill(server.pid, signal.SIGSTOP)
    began = time.monotonic()
    server.stop()
    assert server.proc.returncode == 3
    assert time.monotonic() - began < 2


@pytest.mark.load_sensitive
def test_each_servers_idle_cpu_is_recorded_and_noted_under_its_tables(bench):
    """As the servers start, each one's CPU share while idle (and alone) is
    recorded; the record carries it, and a table with a server past
    IDLE_NOTE_SHARE says under it that its CPU per request includes it."""
    hello = Scenario('http', 'tcp', 1, 50)
    with bench.servers([fake('fastpysgi-asgi', SPIN), fake('pyuvnet-asgi', SLEEP)], 'tcp',
                       [hello]):
        pass
    idle = bench.results.idle_cpu
    assert idle['fastpysgi-asgi'][0] > 0.3  # about 1, less what else loads the CPU
    assert idle['pyuvnet-asgi'][0] < IDLE_NOTE_SHARE
    for name in idle:
        bench.results.add(hello, name, {'rps': 1000.0, 'requests': 3000, 'cpu_us': 10.0,
                                        'server_user_s': 0.03, 'server_sys_s': 0.0})
    record = {'date': 'd', 'host': 'h', 'cpu': 'c', 'cpus': 2, 'kernel': 'k',
              'pinning': 'pinned', 'elapsed_s': 1.0, 'isolated': True,
              'settings': {'repeats': 1, 'seconds': 3, 'warmup': 0.1},
              **bench.results.to_json()}
    assert Results.from_json(record).idle_cpu == idle
    note = idle_note('fastpysgi-asgi', idle['fastpysgi-asgi'][0])
    assert note.startswith('fastpysgi-asgi spins at ') and 'includes that' in note
    for text in (markdown.render_web(record), markdown.render(record)):
        assert note in text and 'pyuvnet-asgi spins' not in text
        assert 'the others stopped' in text


@pytest.mark.load_sensitive
def test_the_sampler_counts_a_process_trees_user_cpu_over_the_block():
    """bench/cpu_sampler.c (wrk's runs): every thread of every process
    named is sampled over the block; a sleeping primary and its spinning
    worker give the worker's user time, as /proc counts it."""
    if Path('/proc/sys/kernel/perf_event_paranoid').read_text().strip() == '3':
        pytest.skip('perf events are off on this kernel (perf_event_paranoid 3)')
    primary = subprocess.Popen([sys.executable, '-c', TREE], stdout=subprocess.PIPE, text=True)
    try:
        primary.stdout.readline()
        pids = process_tree(primary.pid)
        before = sum(sum(cpu_seconds(pid)) for pid in pids)
        with http.sampled_user_cpu(pids) as sampled:
            time.sleep(1.0)
        counted = sum(sum(cpu_seconds(pid)) for pid in pids) - before
    finally:
        for pid in reversed(process_tree(primary.pid)):
            os.kill(pid, signal.SIGKILL)
        primary.wait()
        primary.stdout.close()
    assert counted > 0.1
    assert sampled['server_user_sampled_s'] == pytest.approx(counted, rel=0.25, abs=0.03)


def test_the_sampler_gives_no_figure_for_a_block_that_fails():
    """An error in the block: no figure, and the sampler is reaped."""
    with pytest.raises(RuntimeError):
        with http.sampled_user_cpu([os.getpid()]) as sampled:
            children = process_tree(os.getpid())[1:]
            raise RuntimeError('wrk failed')
    assert sampled == {} and children and not [pid for pid in children if alive(pid)]
