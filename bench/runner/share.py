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
finely interleaved on the server's CPU (slices.py's sliced rounds): each
server is loaded by its own load generator (bench/loadgen.c's http mode,
GET /json, 50 connections, a warm-up and then a measured window), all of
them stopped (SIGSTOP) but one at a time, and the CPU goes round in
SLICE_SECONDS slices: one server's, the next's... and the app's, run by a
persistent worker (``fastapi_cost.py --serve``, pinned to the same CPU),
in an order shuffled every cycle. Each figure of the round, the servers'
sampled user CPU per request and the app's over its slices in the window,
spans the same phases. A server's share in the round is its figure less
the app's. A stopped server's load generator just waits; a server
continued finds its connections' requests waiting, as a saturated server
always does.

Each app slice's own figure is kept too: how far two consecutive ones
differ (the speed moving within the window) is recorded, nothing dropped.
"""
from __future__ import annotations

import subprocess
import sys
from contextlib import ExitStack

from . import build, slices
from .http import sampled_user_cpu
from .procs import ServerFailed, pinned, process_tree, readable_within, tail
from .scenarios import HTTP_PATHS, Scenario
from .slices import SERVER_SECONDS, SLICE_SECONDS
from .targets import FASTAPI

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
    entry and on return), the app's slices among theirs (slices.py):
    {'servers': {name: its figures or {'error': why}}, and app_figures'}."""
    members = [*servers, None]  # None: the app's slice
    warmup, window = slices.times(len(members), slice_s, server_s)
    trees = {name: process_tree(server.pid) for name, server in servers.items()}
    app_slices, inside, sampled = [], None, None

    def load_one(name):
        return slices.loaded(loadgen, f'127.0.0.1:{servers[name].ready_line}', REQUEST,
                                window, warmup, client_cpu, servers[name].pid,
                                path=HTTP_PATHS[FASTAPI.variant])

    with ExitStack() as app_window:
        def app_turn(_member, elapsed):
            # The app's window: its slices from the load generators'
            # window's start to its end, its user clock sampled over them.
            nonlocal inside, sampled
            if inside is None and elapsed >= warmup:
                sampled = app_window.enter_context(sampled_user_cpu([worker.proc.pid]))
                inside = len(app_slices)
            elif inside is not None and elapsed >= warmup + window:
                app_window.close()
                return False
            app_slices.append(worker.run(slice_s))
            return True

        runs = slices.sliced_round(trees, load_one, members, slice_s, cycle0,
                                      other_turn=app_turn)
    figures = app_figures(app_slices[inside:], sampled.get('server_user_sampled_s')) \
        if inside is not None else None
    return {'servers': runs, **(figures or {})}


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
