"""The headline: for each kind of user, pyuvnet against what they run today.

A kind (KINDS) is one load on one application, served by pyuvnet and by
its peers as their own command lines serve it, one worker each:

- a FastAPI JSON endpoint: ``pyuvnet serve`` against uvicorn, granian and
  gunicorn with uvicorn's worker;
- the same endpoint in Flask: ``pyuvnet serve`` against gunicorn's sync
  and gthread workers;
- a Node-style server: pyuvnet.http against Node's http module;
- a WebSocket echo of 1 KiB messages: pyuvnet.ws against ws 8 on Node and
  Python's websockets;
- HTTP/2 over h2c (h2load): pyuvnet.http2 against Node's http2, and
  ``pyuvnet serve`` against granian and hypercorn.

Each is measured in two views (VIEWS): one core each (every server pinned
to one CPU, the load generator to the other), and the machine as shipped
(nothing pinned), where a peer that runs its I/O on a second core (granian's
Rust threads, Node's helper threads) may use it. A kind's servers start
together; every repeat visits each in turn, the others stopped meanwhile
(isolate.py), so a noisy spell falls on all alike. A run records
requests (or messages)/s and the server's user+system CPU per request,
over its whole process tree. headline_table.py draws the table.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable

from . import http, load
from .isolate import frozen
from .procs import CpuPlan, Server, ServerFailed, pinned, process_tree, tail, tree_cpu_seconds
from .scenarios import Scenario
from .systems import Missing, needs, node, python

WRK_CONNS = 50
WS = Scenario('ws', conns=50, size=1024)
H2_CLIENTS, H2_STREAMS = 4, 100
WARMUP_SECONDS = http.WARMUP_SECONDS  # Node's JIT settles in about that
H2_WARMUP_SECONDS = 0.5


@dataclass(frozen=True)
class Entrant:
    name: str
    command: Callable[[], list]  # the server's argv, printing its port; raises Missing
    versus: str | None = None    # the pyuvnet entrant a peer is compared with
    views: tuple = ('pinned', 'shipped')
    env: Callable[[], dict] = dict  # more environment for its server


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    load: str  # 'wrk', 'ws' or 'h2load'
    entrants: tuple
    path: str = '/'
    unit: str = 'req/s'


def external(name):
    """An entrant served by bench/servers/external_hello.py NAME: the
    peer's own command line (or ``pyuvnet serve``), on a port it picks."""
    module = name.split('-')[0]
    command = lambda: python('servers/external_hello.py', name)  # noqa: E731
    return command if module == 'pyuvnet' else needs(module, command)


def ws_server(which):
    """A WebSocket echo server of bench/ws_bench.py ('pyuvnet.ws', 'ws v8
    (Node)', 'websockets'): its argv, and ws 8's NODE_PATH (npm installs
    ws 8 into ~/.cache/pyuvnet/ws8 on the first run, as the tests do)."""
    def command():
        import ws_bench  # bench/: a script beside the runner, not a package
        if which == 'websockets':
            return needs('websockets', lambda: [sys.executable, '-c',
                                                ws_bench.WEBSOCKETS_SERVER])()
        try:
            commands, missing, _ = ws_bench.ws_commands()  # may run npm install
        except (OSError, subprocess.CalledProcessError) as err:
            raise Missing(f'ws 8 could not be installed: {err}') from None
        if which not in commands:
            raise Missing(missing[which])
        return commands[which]

    def env():
        import ws_bench
        return {'NODE_PATH': os.path.join(ws_bench.WS_DIR, 'node_modules')}
    return command, env


def _ws(name, which, versus=None):
    command, env = ws_server(which)
    return Entrant(name, command, versus, env=env)


KINDS = (
    Kind('fastapi', f'FastAPI JSON app: GET /json, wrk, {WRK_CONNS} connections', 'wrk', (
        Entrant('pyuvnet serve', external('pyuvnet-fastapi')),
        Entrant('pyuvnet serve --workers 2', external('pyuvnet-fastapi-workers'),
                views=('shipped',)),
        Entrant('uvicorn', external('uvicorn-fastapi'), 'pyuvnet serve'),
        Entrant('granian', external('granian-fastapi'), 'pyuvnet serve'),
        Entrant('gunicorn -k UvicornWorker', external('gunicorn-uvicorn-fastapi'),
                'pyuvnet serve'),
    ), path='/json'),
    Kind('flask', f'Flask JSON app (WSGI): GET /json, wrk, {WRK_CONNS} connections', 'wrk', (
        Entrant('pyuvnet serve', external('pyuvnet-flask')),
        Entrant('gunicorn sync', external('gunicorn-sync-flask'), 'pyuvnet serve'),
        Entrant('gunicorn gthread', external('gunicorn-gthread-flask'), 'pyuvnet serve'),
    ), path='/json'),
    Kind('node', f'Node-style server (http.createServer): hello, wrk, {WRK_CONNS} connections',
         'wrk', (
             Entrant('pyuvnet.http', lambda: python('servers/pyuvnet_http_module.py')),
             Entrant("Node's http", node('servers/node_http.js'), 'pyuvnet.http'),
         )),
    Kind('ws', f'WebSocket echo: 1 KiB messages, {WS.conns} connections', 'ws', (
        _ws('pyuvnet.ws', 'pyuvnet.ws'),
        _ws('ws 8 (Node)', 'ws v8 (Node)', 'pyuvnet.ws'),
        _ws('websockets', 'websockets', 'pyuvnet.ws'),
    ), unit='msg/s'),
    Kind('h2', f'HTTP/2 (h2c): hello, h2load, {H2_CLIENTS} connections x {H2_STREAMS} streams',
         'h2load', (
             Entrant('pyuvnet.http2', lambda: python('servers/pyuvnet_http2_hello.py')),
             Entrant("Node's http2", node('servers/node_http2_hello.js'), 'pyuvnet.http2'),
             Entrant('pyuvnet serve', external('pyuvnet-h2')),
             Entrant('granian', external('granian-h2'), 'pyuvnet serve'),
             Entrant('hypercorn', external('hypercorn-h2'), 'pyuvnet serve'),
         )),
)

# The targets the headline says met or missed (issue 71): with one core
# each, pyuvnet serve's req/s over the better of these peers'.
TARGETS = (('fastapi', ('uvicorn', 'granian'), 1.3), ('flask', ('gunicorn gthread',), 1.3))


def views(cpus=None):
    """(key, title, CpuPlan) of the two views; one core each needs two CPUs
    and taskset (the server on the second CPU, the load on the first)."""
    cpus = sorted(os.sched_getaffinity(0)) if cpus is None else cpus
    shipped = ('shipped', 'the machine as shipped', CpuPlan(None, None, 'nothing pinned'))
    if len(cpus) < 2 or shutil.which('taskset') is None:
        return [shipped]
    return [('pinned', 'one core each', CpuPlan(cpus[1], cpus[0], f'server CPU {cpus[1]}, '
                                                 f'load CPU {cpus[0]}')), shipped]


H2_RATE = re.compile(r'finished in [\d.]+\w+, ([\d.]+) req/s')
H2_DONE = re.compile(r'requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, '
                     r'(\d+) failed, (\d+) errored, (\d+) timeout')
H2_STATUS = re.compile(r'status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx')


def parse_h2load(out):
    """(requests/s, requests answered) of a timed h2load run: every request
    done succeeded, and every answer was 2xx, else a RunError with h2load's
    tail. (Timed, h2load counts the answers of requests sent before its
    window in the status codes, not in "done": the two need not agree.)"""
    rate, done, statuses = H2_RATE.search(out), H2_DONE.search(out), H2_STATUS.search(out)
    if not (rate and done and statuses):
        raise load.RunError(f'unexpected h2load output: {tail(out)}')
    finished, succeeded, *failures = map(int, done.groups())
    if any(failures) or succeeded != finished or not succeeded \
            or any(int(count) for count in statuses.groups()[1:]):
        raise load.RunError(f'h2load: {done.group(0)}; {statuses.group(0)}')
    return float(rate.group(1)), succeeded


def h2load(port, seconds, cpu, server_pid):
    """One timed h2load run; its figures, the server tree's CPU per request."""
    seconds = max(1, round(seconds))  # h2load takes whole seconds, a warm-up in ms
    argv = ['h2load', '-c', str(H2_CLIENTS), '-m', str(H2_STREAMS), '-D', str(seconds),
            '--warm-up-time', f'{H2_WARMUP_SECONDS * 1000:.0f}ms', f'http://127.0.0.1:{port}/']
    pids = process_tree(server_pid)
    before = tree_cpu_seconds(pids)
    try:
        proc = subprocess.run(pinned(argv, cpu), capture_output=True, text=True,
                              timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        raise load.RunError('h2load did not finish') from None
    user, sys_ = tree_cpu_seconds(pids)
    rps, done = parse_h2load(proc.stdout)
    # h2load counts the requests of its measured window, the CPU read here
    # is the warm-up's too: divided by the whole run's requests at that rate.
    whole = done * (1 + H2_WARMUP_SECONDS / seconds)
    return load.with_cpu_per_op({'rps': rps, 'requests': done, 'server_user_s': user - before[0],
                                 'server_sys_s': sys_ - before[1]}, whole)


def tool_missing(kind):
    """Why ``kind``'s load generator cannot run here, or None."""
    if kind.load == 'wrk':
        return http.wrk_missing()
    if kind.load == 'h2load' and shutil.which('h2load') is None:
        return 'h2load not found (apt-get install nghttp2-client)'
    return None


def measure(kind, server, seconds, plan, loadgen):
    """One run of ``kind``'s load on ``server``: {'rps', 'cpu_us'?...}."""
    port = server.ready_line
    if kind.load == 'wrk':
        return http.run(port, WRK_CONNS, seconds, plan.client, server_pid=server.pid,
                        path=kind.path)
    if kind.load == 'ws':
        return load.run(loadgen, f'127.0.0.1:{port}', WS, seconds, 0.5, plan.client,
                        server_pid=server.pid)
    return h2load(port, seconds, plan.client, server.pid)


def figures(run):
    """What the record keeps of a run."""
    return {key: run[key] for key in ('rps', 'cpu_us', 'client_cpu_s') if run.get(key) is not None}


def run_kind(kind, view, plan, settings, loadgen, env, log):
    """{entrant name: {'runs': [...]} or {'missing'|'error': reason}} of
    ``kind`` in view ``view``."""
    cells = {}
    absent = tool_missing(kind)
    if absent:
        return {entrant.name: {'missing': absent} for entrant in kind.entrants
                if view in entrant.views}
    running = {}
    try:
        for entrant in kind.entrants:
            if view not in entrant.views:
                continue
            try:
                with frozen(s.pid for s in running.values()):
                    running[entrant.name] = Server(entrant.command(), plan.server,
                                                   {**env, **entrant.env()})
            except (Missing, ServerFailed) as err:
                key = 'missing' if isinstance(err, Missing) else 'error'
                cells[entrant.name] = {key: str(err)}
                log(f'headline {kind.key} {view}: {entrant.name} {key}: {err}')
        for name, server in list(running.items()):
            try:
                with frozen(s.pid for s in running.values() if s is not server):
                    measure(kind, server, WARMUP_SECONDS, plan, loadgen)
                cells[name] = {'runs': []}
            except (load.RunError, ServerFailed) as err:
                cells[name] = {'error': f'warm-up: {err}'}
        for rep in range(settings.repeats):
            done = []
            for name, server in running.items():
                cell = cells[name]
                if 'runs' not in cell:
                    continue
                try:
                    server.check()
                    with frozen(s.pid for s in running.values() if s is not server):
                        cell['runs'].append(figures(measure(kind, server,
                                                            settings.headline_seconds, plan,
                                                            loadgen)))
                    done.append(f"{name} {cell['runs'][-1]['rps']:,.0f}")
                except (load.RunError, ServerFailed) as err:
                    cells[name] = {'error': str(err)}
                    done.append(f'{name} error')
            log(f"headline {kind.key} {view} [{rep + 1}/{settings.repeats}] "
                f"{kind.unit}: {', '.join(done)}")
    finally:
        for server in running.values():
            server.stop()
    return cells


def run(settings, loadgen, env, log):
    """The headline's record: every kind in every view, and the machine's
    load average before and after."""
    record = {'seconds': settings.headline_seconds, 'repeats': settings.repeats,
              'loadavg_before': os.getloadavg(), 'views': {}, 'cells': {}}
    for key, title, plan in views():
        record['views'][key] = {'title': title, 'note': plan.note}
        record['cells'][key] = {kind.key: run_kind(kind, key, plan, settings, loadgen, env, log)
                                for kind in KINDS}
    record['loadavg_after'] = os.getloadavg()
    return record
