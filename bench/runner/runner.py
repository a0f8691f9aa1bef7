"""Running the matrix: servers up, runs interleaved across systems, servers down.

Each transport's servers all start together (pinned to the server CPU)
and every repeat visits every system in turn, so a slow spell of a noisy
machine hits all of them alike rather than one system's whole sample.
While one is measured, the others are stopped (isolate.py: a server that
spins while idle would otherwise share the measured one's CPU), and each
one's idle CPU is recorded as it starts.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from . import build, headline, http, instructions, load, scripts, share
from .isolate import frozen, idle_share
from .targets import USER_CPU_SCENARIOS, USER_CPU_SECONDS
from .machine import describe
from .procs import Server, ServerFailed, cpu_plan, raise_nofile
from .report import figure
from .results import Results
from .scenarios import (IDLE, asgi_matrix, concurrency_matrix, echo_matrix, http_matrix,
                        proxy_matrix, web_matrix)
from .systems import (ECHO, ECHO_MARK, HTTP as HTTP_SYSTEMS, HTTP_CLUSTER, MATRIX_SYSTEMS,
                      NODE_HTTP_MODULE, PROXY, WEB, WEB_ASGI, Missing, System, select, server_env, uv_echo)


# The FastAPI share's rounds (share.py) per --repeats: its rounds are short
# (about 0.5 s of each server's CPU) and its ratio a median of theirs.
SHARE_ROUNDS_PER_REPEAT = 4
# The default run's echo cells that the targets read run this long: their
# server's CPU over 0.1 s (load.MIN_CPU_SECONDS), so the summary has its
# CPU figure; at 3 s (USER_CPU_SECONDS) they were 3/4 of its echo time
# (423 of 563 s, on a loaded 2-CPU VM).
SUMMARY_CPU_SECONDS = 1.5


@dataclass(frozen=True)
class Settings:
    seconds: float
    warmup: float
    repeats: int
    full: bool
    http: bool
    instructions: bool
    only: tuple
    asgi: bool = False  # the Python web servers' cells (asgi_matrix) and the FastAPI share
    web: bool = False   # the web servers' two headline cells (web_matrix), the default run's
    verdicts: bool = False  # the targets report printed (it is saved in any case)
    headline: bool = True   # the headline's kinds of user, first (headline.py)
    headline_only: bool = False  # the headline alone, nothing after it
    headline_seconds: float = 2.0  # each headline run's measured seconds

    @property
    def user_cpu_seconds(self):
        """How long the echo cells the targets read run at the least:
        targets.USER_CPU_SECONDS in a run that reports the targets
        (--verdicts, --full); the default run's are shorter, long enough for
        the summary's CPU figure, to keep it within about 10 minutes on 2
        cores (its record says so, and its targets are not measured)."""
        return USER_CPU_SECONDS if self.verdicts or self.full else SUMMARY_CPU_SECONDS
    pyuvnet_tree: str | None = None  # another checkout's pyuvnet (a "before" run)


class Bench:
    def __init__(self, settings, log):
        self.settings = settings
        self.log = log
        self.plan = cpu_plan()
        # Once, here: every server and load generator inherits it.
        raise_nofile()
        self.loadgen = build.loadgen()
        self.env = server_env(settings.pyuvnet_tree)
        self.results = Results()
        self.live = {}  # name -> Server: the servers up now, stopped but for the one measured
        self.tmp = Path(tempfile.mkdtemp(prefix='pyuvnet-bench-'))

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- servers -------------------------------------------------------

    def start(self, system, transport):
        """(server, load generator target) of a freshly started server."""
        argv = system.command()
        cpu = self.plan.server if system.pinned else None
        if transport == 'unix':
            path = self.tmp / f'{system.name}.sock'
            path.unlink(missing_ok=True)
            return Server([*argv, str(path)], cpu, self.env), str(path)
        server = Server(argv, cpu, self.env)
        if not server.ready_line.isdigit():
            server.stop()
            raise ServerFailed(f'printed {server.ready_line!r} instead of its port')
        return server, f'127.0.0.1:{server.ready_line}'

    @contextmanager
    def servers(self, systems, transport, scenarios, idle_cpu=True):
        """{name: (server, target)} for the systems that start; the others
        are recorded as missing from ``scenarios``, with the reason. With
        ``idle_cpu``, each server's CPU share while idle and alone is
        recorded once all have started."""
        running = {}
        try:
            for system in systems:
                try:
                    with frozen(server.pid for server in self.live.values()):
                        running[system.name] = self.start(system, transport)
                    self.live[system.name] = running[system.name][0]
                except (Missing, ServerFailed) as err:
                    reason = str(err) if isinstance(err, Missing) else f'failed to start: {err}'
                    self.log(f'{system.name} ({transport}) missing: {reason}')
                    for scenario in scenarios:
                        self.results.missing(scenario, system.name, reason)
            for name, (server, _) in running.items() if idle_cpu else ():
                with self.alone(server):
                    share = idle_share(server.pid)
                self.results.idle(name, share)
                self.log(f'{name} ({transport}) idle: {share * 100:.1f}% of a core')
            yield running
        finally:
            for name, (server, _) in running.items():
                self.live.pop(name, None)
                server.stop()

    def alone(self, server):
        """A block in which ``server`` is the only one of the run's servers
        that may run: the others are stopped, and continued after."""
        return frozen(other.pid for other in self.live.values() if other is not server)

    # -- runs ----------------------------------------------------------

    def attempt(self, scenario, name, server, measure):
        """Run ``measure()`` and record it, a failed run tried once more
        (a server that died is not); a short text for the progress log."""
        if self.results.cell(scenario, name).error:
            return 'skipped'  # one failed run already voids the cell: save the time
        for tries_left in (1, 0):
            try:
                server.check()
                with self.alone(server):
                    run = measure()
                break
            except ServerFailed as err:
                self.results.fail(scenario, name, str(err))
                return 'error'
            except load.RunError as err:
                if not tries_left:
                    self.results.fail(scenario, name, f'{err} (tried twice)')
                    return 'error'
                self.log(f'{scenario.title}: {name} failed ({err}); once more')
        self.results.add(scenario, name, run)
        return figure(run[scenario.metric], scenario.unit)

    def interleave(self, scenario, running, measure):
        """Every repeat of ``scenario`` on each running server in turn;
        ``measure(server, target)`` does one run."""
        repeats = self.settings.repeats
        for rep in range(repeats):
            done = [f'{name} {self.attempt(scenario, name, server, partial(measure, server, target))}'
                    for name, (server, target) in running.items()]
            self.log(f'{scenario.title} [{rep + 1}/{repeats}] {scenario.unit}: ' + ', '.join(done))

    def echo_scenarios(self, transport):
        """(scenario, only these systems or None for all) to run on ``transport``."""
        rows = [sc for sc in echo_matrix(self.settings.full) if sc.transport == transport]
        extra = [sc for sc in concurrency_matrix() if sc.transport == transport and sc not in rows] \
            if self.settings.full else []
        return [(sc, None) for sc in rows] + [(sc, MATRIX_SYSTEMS) for sc in extra]

    def measure_load(self, server, target, scenario):
        """One load-generator run against ``server``: --seconds, or longer
        where the shape needs it (Scenario.least_times) or a target reads
        the server's user CPU from it (targets.USER_CPU_SECONDS)."""
        s = self.settings
        warmup, seconds = scenario.least_times
        if scenario in USER_CPU_SCENARIOS:
            seconds = max(seconds, s.user_cpu_seconds)
        return load.run(self.loadgen, target, scenario, max(seconds, s.seconds),
                        max(warmup, s.warmup), self.plan.client, server_pid=server.pid)

    def echo(self):
        s = self.settings
        systems = select(ECHO, s.only)
        for transport in ('tcp', 'unix') if systems else ():
            plan = self.echo_scenarios(transport)
            with self.servers(systems, transport, [sc for sc, _ in plan]) as running:
                for scenario, only in plan:
                    subset = {name: entry for name, entry in running.items()
                              if only is None or name in only}
                    if subset:
                        self.interleave(scenario, subset,
                                        partial(self.measure_load, scenario=scenario))

    def idle(self):
        """Memory per idle connection: a fresh server for every repeat."""
        for system in select(ECHO, self.settings.only):
            for _ in range(self.settings.repeats):
                with self.servers([system], 'tcp', [IDLE], idle_cpu=False) as running:
                    for name, (server, target) in running.items():
                        text = self.attempt(IDLE, name, server, partial(
                            load.idle_memory, self.loadgen, server, target, IDLE.conns,
                            self.plan.client))
                        self.log(f'{IDLE.title}: {name} {text} KiB/conn')
                if not running:
                    break

    def proxy(self):
        """The proxies, each in front of one bare C echo server (on the load
        generator's CPU: the proxy's is the CPU measured)."""
        systems = select(PROXY, self.settings.only)
        if not systems:
            return
        scenarios = proxy_matrix()
        try:
            backend = Server(uv_echo(), self.plan.client, self.env)
        except (Missing, ServerFailed) as err:
            for system in systems:
                for scenario in scenarios:
                    self.results.missing(scenario, system.name, f'no echo server: {err}')
            return
        upstream = f'127.0.0.1:{backend.ready_line}'
        proxies = [System(s.name, s.description, partial(lambda s: [*s.command(), upstream], s))
                   for s in systems]
        try:
            with self.servers(proxies, 'tcp', scenarios) as running:
                for scenario in scenarios:
                    def measure(server, target, scenario=scenario):
                        backend.check()
                        return self.measure_load(server, target, scenario)
                    self.interleave(scenario, running, measure)
        finally:
            backend.stop()

    def http(self):
        systems = select(HTTP_SYSTEMS + (HTTP_CLUSTER if self.settings.full else ()),
                         self.settings.only)
        if self.settings.asgi or self.settings.web:
            # The web servers' cells are the asgi section's: each cell once.
            systems = [s for s in systems if s.name not in WEB]
        self.http_cells(systems, http_matrix(self.settings.full))

    def asgi(self):
        """The Python web servers on asgi_matrix's cells (the FastAPI one on
        the ASGI servers only), then, with --asgi, the servers' share of a
        FastAPI request against FastAPI's own cost, in paired rounds
        (share.py); the default run: web_matrix's two cells alone."""
        # Without --http, Node's http module and pyuvnet.http join the hello
        # cell, so that its 'vs node-http-module' column has a figure.
        joined = WEB + (() if self.settings.http else NODE_HTTP_MODULE)
        systems = [s for s in select(HTTP_SYSTEMS, self.settings.only) if s.name in joined]
        figures = {}

        def then(running):
            servers = {name: server for name, (server, _) in running.items()
                       if name in WEB_ASGI and server.proc.poll() is None}
            if servers:
                figures['fastapi_share'] = self.fastapi_share(servers)
        if self.settings.asgi:
            self.http_cells(systems, asgi_matrix(), {'fastapi': WEB_ASGI}, then)
        else:
            self.http_cells(systems, web_matrix(), {'fastapi': WEB_ASGI})
        return figures

    def fastapi_share(self, servers):
        """share.py's rounds over ``servers``, every other server stopped."""
        rounds = SHARE_ROUNDS_PER_REPEAT * self.settings.repeats
        begun = time.monotonic()
        with frozen(server.pid for server in self.live.values()):
            figures = share.measure(servers, self.env, self.loadgen, self.plan, rounds, self.log)
        self.log(f"FastAPI share: {figures.get('failed', 'done')} "
                 f'({time.monotonic() - begun:.0f} s)')
        return figures

    def http_cells(self, systems, scenarios, only=None, then=None):
        """``scenarios`` under wrk on ``systems``; ``only`` maps a variant
        to the systems that serve it; ``then(running)`` runs after the
        cells, the servers still up."""
        if not systems:
            return
        only = only or {}
        reason = http.wrk_missing()
        if reason:
            self.log(f'HTTP rows missing: {reason}')
            for system in systems:
                for scenario in scenarios:
                    self.results.missing(scenario, system.name, reason)
            return

        with self.servers(systems, 'tcp', scenarios) as running:
            for name, (server, _) in running.items():  # let JITs and caches settle
                try:
                    with self.alone(server):
                        http.run(server.ready_line, scenarios[0].conns, http.WARMUP_SECONDS,
                                 self.plan.client)
                except load.RunError as err:
                    for scenario in scenarios:
                        if name in only.get(scenario.variant, running):
                            self.results.fail(scenario, name, f'warm-up: {err}')
            for scenario in scenarios:
                # A system that does not serve a variant (a WSGI server and
                # the FastAPI endpoint) has no cell there: not a gap to report.
                subset = {name: entry for name, entry in running.items()
                          if name in only.get(scenario.variant, running)}
                if subset:
                    self.interleave(scenario, subset,
                                    partial(self.measure_http, scenario=scenario))
            if then:
                then(running)

    def measure_http(self, server, _target, scenario):
        """One run against ``server``, of --seconds or USER_CPU_SECONDS,
        whichever is longer: a target reads every HTTP cell's server user
        CPU, and a 1 s run (wrk's least) gave it some tens of 10 ms ticks."""
        return http.measure(self.loadgen, server.ready_line, scenario,
                            max(self.settings.seconds, USER_CPU_SECONDS), self.plan.client,
                            server.pid)

    def instructions(self):
        """Fills the instr/msg column; returns the counting method used."""
        systems = select(ECHO, self.settings.only)
        try:
            method = instructions.choose_method()
        except instructions.Unavailable as err:
            self.log(f'instructions per message: {err}')
            self.results.instructions = {system.name: f'missing: {err}' for system in systems}
            return None
        for system in systems:
            try:
                entry = instructions.per_message(method, system.command(), self.env,
                                                 self.loadgen, self.plan)
                text = f"{entry['instr_per_msg']:,.0f}"
            except (Missing, ServerFailed, load.RunError) as err:
                entry = text = f'{"missing" if isinstance(err, Missing) else "error"}: {err}'
            self.results.instructions[system.name] = entry
            self.log(f'instructions per message ({method}): {system.name} {text}')
        return method


def run(settings, log):
    """The whole benchmark; (results, metadata)."""
    started = time.monotonic()
    bench = Bench(settings, log)
    log(f'pinning: {bench.plan.note}')
    section_s = {}  # where the time went, to keep --full within its budget

    def timed(name, section):
        begun = time.monotonic()
        outcome = section()
        section_s[name] = time.monotonic() - begun
        log(f'{name} rows took {section_s[name]:.0f} s')
        return outcome

    method = None
    figures = {}  # the stand-alone scripts' (scripts.py)
    record = None
    try:
        if settings.headline or settings.headline_only:
            record = timed('headline', lambda: headline.run(settings, bench.loadgen, bench.env,
                                                            log))
        if not settings.headline_only:
            timed('echo', bench.echo)
        if settings.full:
            timed('idle', bench.idle)
            timed('proxy', bench.proxy)
        if settings.http:
            timed('http', bench.http)
        if settings.asgi or settings.web:
            figures.update(timed('asgi', bench.asgi))
        if settings.instructions:
            method = timed('instructions', bench.instructions)
        if settings.full:
            figures.update(timed('scripts', lambda: scripts.run_all(settings, bench.env, log)))
    finally:
        bench.close()
    meta = describe(bench.plan, {**asdict(settings), 'user_cpu_seconds': settings.user_cpu_seconds,
                                 'http_seconds': max(settings.seconds, USER_CPU_SECONDS)
                                 if settings.http or settings.web or settings.asgi else None},
                    settings.pyuvnet_tree)
    meta['instructions_method'] = method
    meta['isolated'] = True  # the other servers stopped in each window (isolate.py)
    meta[ECHO_MARK[0]] = ECHO_MARK[1]  # what 'pyuvnet' is in this record
    meta['scripts'] = figures
    meta['elapsed_s'] = time.monotonic() - started
    meta['section_s'] = section_s
    meta['headline'] = record
    return bench.results, meta
