"""The servers' share of a FastAPI request, each server and FastAPI alone
measured in the same seconds.

Issue 43's share is a server's user CPU per FastAPI request less the app's
own cost, which bench/fastapi_cost.py measures by calling the app in
process with no server. Both are about 90-220 µs on this VM and the share
some µs to some tens: a small difference of two large figures. The VM's
CPU speed halves and doubles in phases of 0.1 s to several seconds, so a
server's cell and an in-process run made at different times differ by
whatever phase each fell in, far more than the share.

So a round measures every server of the FastAPI cell and the app together,
finely interleaved on the server's CPU: each server is loaded by its own
load generator (bench/loadgen.c's http mode, GET /json, 50 connections, a
warm-up and then a measured window), all of them stopped (SIGSTOP) but one
at a time, and the CPU goes round in SLICE_SECONDS slices: one server's,
the next's... and the app's, run by a persistent worker
(``fastapi_cost.py --serve``, pinned to the same CPU), in an order shuffled
every cycle. Each figure of the round, the servers' sampled user CPU per
request and the app's over its slices in the window, spans the same
phases. A server's share in the round is its figure less the app's. A
stopped server's load generator just waits; a server continued finds its
connections' requests waiting, as a saturated server always does.

Each app slice's own figure is kept too: how far two consecutive ones
differ (the speed moving within the window) is recorded, nothing dropped.
"""
from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack

from . import build, load
from .http import sampled_user_cpu
from .isolate import send, wait_stopped
from .procs import ServerFailed, pinned, process_tree, readable_within, tail
from .scenarios import HTTP_PATHS, Scenario
from .targets import FASTAPI, user_us

# The slices' length: 0.05 s matched the phases better than 0.1 s (two
# identical servers' share ratio, interquartile 0.68-0.97 and 0.87-1.16
# over 12 rounds, against up to 0.48-1.50 at 0.1 s).
SLICE_SECONDS = 0.05
# The CPU time each server gets in a round's measured window: about 5,000
# samples of its user clock (loadgen_usercpu.c, every 100 µs).
SERVER_SECONDS = 0.5
WARMUP_CYCLES = 2    # before the window: the new connections accepted, caches warm
READY_SECONDS = 60   # for the worker's import and warm-up (FastAPI, pydantic)
# The load generator's request: the FastAPI cell's (wrk's GET /json, Host only).
REQUEST = Scenario('http', conns=FASTAPI.conns)


class WorkerFailed(Exception):
    """The in-process cost worker did not start or stopped answering."""


class CostWorker:
    """``fastapi_cost.py --serve``, pinned to ``cpu``: ``run(seconds)``
    gives (requests, CPU seconds by its own thread clock) of one slice."""

    def __init__(self, env, cpu, ready_seconds=READY_SECONDS, argv=None):
        argv = argv or [sys.executable, str(build.bench_dir() / 'fastapi_cost.py'), '--serve']
        self.proc = subprocess.Popen(pinned(argv, cpu), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        try:
            line = self.proc.stdout.readline() if readable_within(self.proc.stdout,
                                                                  ready_seconds) else ''
            if line.strip() != 'ready':
                raise WorkerFailed(f'the FastAPI worker printed {line.strip()!r}, not ready: '
                                   f'{self.failure()}')
        except BaseException:
            self.close()
            raise

    def failure(self):
        """Why it is not answering: its exit status and the end of its
        stderr (it closed its output: give it a moment to end)."""
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            return 'still running'
        return f'exited with status {self.proc.returncode}: {tail(self.proc.stderr.read())}'

    def run(self, seconds):
        """(requests, CPU seconds) of a slice of ``seconds``."""
        try:
            self.proc.stdin.write(f'{seconds:g}\n')
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise WorkerFailed(f'the FastAPI worker {self.failure()}') from None
        if not readable_within(self.proc.stdout, seconds + READY_SECONDS):
            raise WorkerFailed('the FastAPI worker did not answer')
        fields = self.proc.stdout.readline().split()
        if len(fields) != 2:
            raise WorkerFailed(f'the FastAPI worker {self.failure()}')
        return int(fields[0]), float(fields[1])

    def close(self):
        """Its input ended (it exits), killed if it does not; reaped."""
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


def cycle_order(members, cycle):
    """The slice order of cycle number ``cycle``: ``members`` shuffled, the
    same for the same number, so that no member always follows the same
    one (a slice starts in the caches the one before it left)."""
    order = list(members)
    random.Random(cycle).shuffle(order)
    return order


def signal_all(pids, sig):
    for pid in pids:
        send(pid, sig)


def app_figures(slices, sampled_s=None):
    """The app's figures over its ``slices`` in a round's window ((requests,
    s by its own thread clock) each): µs per request by that clock (the
    batches alone), the same by the servers' sampled user clock over the
    window (``sampled_s``, a check: it also holds the worker's reading of
    its commands between batches), each slice's own figure, and the
    largest step between consecutive ones (|a - b| over their mean: the
    speed moving within the window)."""
    slices = [(n, cpu) for n, cpu in slices if n]
    if not slices:
        return None
    requests = sum(n for n, _ in slices)
    own = sum(cpu for _, cpu in slices)
    each = [cpu * 1e6 / n for n, cpu in slices]
    steps = [abs(a - b) / ((a + b) / 2) for a, b in zip(each, each[1:])]
    return {'app_us': own * 1e6 / requests,
            'app_sampled_us': None if sampled_s is None else sampled_s * 1e6 / requests,
            'app_requests': requests, 'app_slices_us': each,
            'app_step_max': max(steps, default=0.0)}


def one_round(servers, worker, loadgen, client_cpu, cycle0=0, slice_s=SLICE_SECONDS,
              server_s=SERVER_SECONDS):
    """One round over ``servers`` ({name: Server}, every one stopped on
    entry and on return): {'servers': {name: its figures or {'error':
    why}}, and app_figures'}."""
    members = [*servers, None]  # None: the app's slice
    warmup = WARMUP_CYCLES * len(members) * slice_s
    window = server_s * len(members)
    trees = {name: process_tree(server.pid) for name, server in servers.items()}
    runs = {}

    def load_one(name, server):
        try:
            runs[name] = load.run(loadgen, f'127.0.0.1:{server.ready_line}', REQUEST, window,
                                  warmup, client_cpu, server_pid=server.pid,
                                  path=HTTP_PATHS[FASTAPI.variant])
        except load.RunError as err:
            runs[name] = {'error': str(err)}

    threads = [threading.Thread(target=load_one, args=item) for item in servers.items()]
    begun = time.monotonic()
    for thread in threads:
        thread.start()
    slices, inside, sampled, done = [], None, None, False
    cycle = cycle0
    try:
        with ExitStack() as app_window:
            while not done:
                for name in cycle_order(members, cycle):
                    if name is not None:
                        signal_all(trees[name], signal.SIGCONT)
                        time.sleep(slice_s)
                        signal_all(trees[name], signal.SIGSTOP)
                        continue
                    # The app's window: its slices from the load generators'
                    # window's start to its end, its user clock sampled over them.
                    now = time.monotonic()
                    if inside is None and now >= begun + warmup:
                        sampled = app_window.enter_context(sampled_user_cpu([worker.proc.pid]))
                        inside = len(slices)
                    elif inside is not None and now >= begun + warmup + window:
                        app_window.close()
                        done = True
                        break
                    slices.append(worker.run(slice_s))
                cycle += 1
    finally:
        # The load generators end their window, then finish their batches:
        # every server runs until they are done.
        for pids in trees.values():
            signal_all(pids, signal.SIGCONT)
        for thread in threads:
            thread.join()
        for pids in trees.values():
            signal_all(pids, signal.SIGSTOP)
        wait_stopped([pid for pids in trees.values() for pid in pids])
    figures = app_figures(slices[inside:], sampled.get('server_user_sampled_s')) \
        if inside is not None else None
    return {'servers': {name: run if 'error' in run else
                        {'user_us': user_us(run), 'requests': run['requests'], 'rps': run['rps'],
                         'client_cpu_s': run.get('client_cpu_s')}
                        for name, run in runs.items()}, **(figures or {})}


def measure(servers, env, loadgen, plan, rounds, log, slice_s=SLICE_SECONDS,
            server_s=SERVER_SECONDS):
    """The step's figures: ``rounds`` rounds over ``servers`` ({name:
    Server}, the ASGI servers of the FastAPI cell, each already stopped),
    or {'failed': why}."""
    try:
        worker = CostWorker(env, plan.server)
    except (WorkerFailed, OSError) as err:
        return {'failed': str(err)}
    out = {'slice_s': slice_s, 'server_s': server_s, 'conns': REQUEST.conns, 'rounds': []}
    try:
        for number in range(rounds):
            for server in servers.values():
                server.check()
            figures = one_round(servers, worker, loadgen, plan.client, number, slice_s, server_s)
            out['rounds'].append(figures)
            log(f'FastAPI share [{number + 1}/{rounds}]: ' + round_text(figures))
    except (WorkerFailed, ServerFailed) as err:
        out['failed'] = str(err)
    finally:
        worker.close()
    return out


def round_text(figures):
    """A round in one line of the progress log."""
    app = figures.get('app_us')
    if app is None:
        return 'no app slice in the window'
    parts = [f"FastAPI {app:.1f} µs (slices moved up to {figures['app_step_max'] * 100:.0f}%)"]
    for name, run in figures['servers'].items():
        us = run.get('user_us')
        parts.append(f'{name} ' + (f'{us:.1f} µs, share {us - app:+.1f}' if us is not None
                                   else f"no figure: {run.get('error', 'too little CPU')}"))
    return '; '.join(parts)
