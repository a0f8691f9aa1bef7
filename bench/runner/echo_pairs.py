"""The echo cells' server user CPU in sliced rounds: pyuvnet against uvloop,
or two builds of pyuvnet, measured in the same seconds.

``python bench/run.py --paired-echo`` runs the servers of the echo cells
(1 KiB pingpong x 10 connections, and connect+echo+close x 10 slots)
together on the server's CPU in slices.py's rounds: each loaded by its own
load generator with the cell's arguments, all stopped but one, the CPU
going round in 0.05 s slices in a shuffled order. A server's figure in a
round is its sampled user µs per operation over its slices in the window;
a row is the median over the rounds of each round's ratio to
uvloop-protocol's figure (with the median's 95% confidence interval, the
interquartile range and the range), where bench/run.py's cells compare
1 s windows taken at different times.

``--pyuvnet-b DIR`` adds another checkout's pyuvnet callback server
(DIR/.venv/bin/python running DIR/bench/servers/pyuvnet_echo.py on DIR's
pyuvnet), labelled pyuvnet-b, and ``--twin`` a second server of this
checkout's (pyuvnet-twin, the A/A check of the measure's resolution): each
also gets its ratio to pyuvnet's figure of the same round.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path

from . import build, medians, slices
from .isolate import frozen
from .machine import command_output, describe
from .procs import Server, ServerFailed, cpu_plan, process_tree, raise_nofile
from .report import output_stem
from .results import Results
from .scenarios import Scenario
from .systems import ECHO, Missing, matches, pyuvnet_tree, server_env

CELLS = {'pingpong': Scenario('pingpong', size=1024, conns=10),
         'connrate': Scenario('connrate', conns=10),
         'unix-connrate': Scenario('connrate', 'unix', conns=10)}
DEFAULT_CELLS = ('pingpong', 'connrate')
DEFAULT_SERVERS = ('pyuvnet', 'pyuvnet-idiom', 'uvloop-protocol', 'libuv')
REFERENCE = 'uvloop-protocol'   # every ratio's denominator, always run
PYUVNET, B, TWIN = 'pyuvnet', 'pyuvnet-b', 'pyuvnet-twin'
# The load generators end their windows a little after the round's own
# clock says so (they start after it): the slices go on that much longer,
# so no window's end has every server running at once.
END_MARGIN_S = 0.1


@dataclass(frozen=True)
class Settings:
    rounds: int
    cells: tuple = DEFAULT_CELLS
    only: tuple = ()
    pyuvnet_b: str | None = None   # another checkout: its pyuvnet as pyuvnet-b
    twin: bool = False             # a second pyuvnet of this checkout (A/A)
    pyuvnet_tree: str | None = None
    slice_s: float = slices.SLICE_SECONDS
    server_s: float = slices.SERVER_SECONDS
    json: str | None = None


@dataclass(frozen=True)
class Member:
    name: str
    argv: tuple
    tree: str   # the checkout whose pyuvnet it imports


def chosen(only):
    """The echo systems named in ``only`` (a name, else a prefix group, as
    --only says), DEFAULT_SERVERS when empty; REFERENCE always."""
    wanted = set(only or DEFAULT_SERVERS) | {REFERENCE}
    names = {s.name for s in ECHO}
    return [s for s in ECHO if any(s.name == want or (want not in names and matches(s.name, want))
                                   for want in wanted)]


def b_member(tree):
    """pyuvnet-b: the callback echo server of the checkout ``tree``, run by
    its own virtual environment's Python."""
    root = Path(tree).resolve()
    python = root / '.venv' / 'bin' / 'python'
    script = root / 'bench' / 'servers' / 'pyuvnet_echo.py'
    for path in (python, script):
        if not path.exists():
            raise Missing(f'{B}: no {path} (build that checkout: make develop)')
    return Member(B, (str(python), str(script)), str(root))


def members(settings):
    """Every server of the run, the reference among them."""
    tree = pyuvnet_tree(settings.pyuvnet_tree)
    out = [Member(s.name, tuple(s.command()), tree) for s in chosen(settings.only)]
    if settings.twin:
        callback = next(s for s in ECHO if s.name == PYUVNET)
        out.append(Member(TWIN, tuple(callback.command()), tree))
    if settings.pyuvnet_b:
        out.append(b_member(settings.pyuvnet_b))
    return out


def start(member, cpu, transport, tmp):
    """(server, load generator target)."""
    env = server_env(member.tree)
    if transport == 'unix':
        path = Path(tmp) / f'{member.name}.sock'
        return Server([*member.argv, str(path)], cpu, env), str(path)
    server = Server(list(member.argv), cpu, env)
    if not server.ready_line.isdigit():
        server.stop()
        raise ServerFailed(f'{member.name} printed {server.ready_line!r} instead of its port')
    return server, f'127.0.0.1:{server.ready_line}'


def one_round(servers, loadgen, scenario, client_cpu, cycle0=0, slice_s=slices.SLICE_SECONDS,
              server_s=slices.SERVER_SECONDS):
    """One round of ``scenario`` over ``servers`` ({name: (Server, target)},
    every one stopped on entry and on return): {name: its figures, or
    {'error': why}}."""
    names = list(servers)
    warmup, window = slices.times(len(names), slice_s, server_s)
    trees = {name: process_tree(server.pid) for name, (server, _) in servers.items()}

    def load_one(name):
        server, target = servers[name]
        return slices.loaded(loadgen, target, scenario, window, warmup, client_cpu, server.pid)

    return slices.sliced_round(trees, load_one, names, slice_s, cycle0,
                               end=warmup + window + END_MARGIN_S)


def per_round(rounds, name, versus):
    """``name``'s user µs per operation over ``versus``'s, round by round
    (None where either has no figure)."""
    out = []
    for figures in rounds:
        mine = figures.get(name, {}).get('user_us')
        theirs = figures.get(versus, {}).get('user_us')
        out.append(mine / theirs if mine is not None and theirs else None)
    return out


def rows(rounds, names):
    """{name: its user µs, its ratio to REFERENCE and (pyuvnet-b, the twin)
    to pyuvnet, each as medians.spread of the rounds' figures}."""
    out = {}
    for name in names:
        row = {'user_us': medians.spread(r.get(name, {}).get('user_us') for r in rounds),
               'vs_' + REFERENCE: medians.spread(per_round(rounds, name, REFERENCE))}
        if name in (B, TWIN):
            row['vs_' + PYUVNET] = medians.spread(per_round(rounds, name, PYUVNET))
        row['errors'] = sorted({r[name]['error'] for r in rounds if 'error' in r.get(name, {})})
        out[name] = row
    return out


def spread_text(spread, unit=''):
    if spread is None:
        return 'no figure'
    ci = spread.get('ci95')
    return (f"{spread['median']:.3f}{unit} ("
            + (f'95% CI {ci[0]:.3f}-{ci[1]:.3f}, ' if ci else '')
            + f"IQR {spread['q1']:.3f}-{spread['q3']:.3f}, "
              f"range {spread['low']:.3f}-{spread['high']:.3f})")


def table(record):
    """The run's rows as text, a block per cell."""
    lines = [f"paired echo rounds: {record['slice_s']:g} s slices, {record['server_s']:g} s of "
             f"CPU per server per round; pyuvnet {record['pyuvnet_commit']}"
             + (f", pyuvnet-b {record['pyuvnet_b_commit']}" if record.get('pyuvnet_b') else '')]
    for key, cell in record['paired_echo'].items():
        lines += ['', f"{cell['title']} ({cell['rounds']} rounds): server user µs per "
                      f"operation, per-round ratios (median, the median's 95% confidence "
                      'interval, IQR, range)']
        for name, row in cell['rows'].items():
            parts = [f"{name:16} {spread_text(row['user_us'], ' µs')}"]
            if name != REFERENCE:
                parts.append(f"  / {REFERENCE} {spread_text(row['vs_' + REFERENCE], 'x')}")
            if 'vs_' + PYUVNET in row:
                parts.append(f"  / {PYUVNET} {spread_text(row['vs_' + PYUVNET], 'x')}")
            if row['errors']:
                parts.append(f"  errors: {'; '.join(row['errors'])}")
            lines.append('\n'.join(parts))
    return '\n'.join(lines)


def measure(settings, log):
    """The rounds; (Results with each round's figures as a run, {cell key:
    its rounds' figures})."""
    plan = cpu_plan()
    raise_nofile()
    loadgen = build.loadgen()
    chosen_members = members(settings)
    results, figures = Results(), {key: [] for key in settings.cells}
    transports = sorted({CELLS[key].transport for key in settings.cells})
    tmp = tempfile.mkdtemp(prefix='pyuvnet-pairs-')
    try:
        with ExitStack() as stack:
            servers = {}
            for transport in transports:
                for member in chosen_members:
                    with frozen(s.pid for s, _ in servers.values()):
                        server, target = start(member, plan.server, transport, tmp)
                    stack.callback(server.stop)
                    servers[transport, member.name] = server, target
            stack.enter_context(frozen(s.pid for s, _ in servers.values()))
            for number in range(settings.rounds):
                for index, key in enumerate(settings.cells):
                    scenario = CELLS[key]
                    running = {name: servers[t, name] for t, name in servers
                               if t == scenario.transport}
                    for server, _ in running.values():
                        server.check()
                    runs = one_round(running, loadgen, scenario, plan.client,
                                     number * len(settings.cells) + index, settings.slice_s,
                                     settings.server_s)
                    figures[key].append(runs)
                    for name, run in runs.items():
                        results.add(scenario, name, run)
                    log(f'{key} [{number + 1}/{settings.rounds}]: ' + round_text(runs))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results, figures, chosen_members, plan


def round_text(runs):
    def one(name, run):
        us = run.get('user_us')
        return f'{name} ' + (f'{us:.3f} µs' if us is not None else
                             f"no figure: {run.get('error', 'no sampled user clock')}")
    return ', '.join(one(name, run) for name, run in runs.items())


def record_of(settings, results, figures, chosen_members, plan, elapsed):
    meta = describe(plan, asdict(settings), settings.pyuvnet_tree)
    names = [m.name for m in chosen_members]
    meta.update({
        'kind': 'paired_echo', 'reference': REFERENCE, 'slice_s': settings.slice_s,
        'server_s': settings.server_s, 'elapsed_s': elapsed,
        'servers': {m.name: {'argv': list(m.argv), 'tree': m.tree} for m in chosen_members},
        'pyuvnet_b': settings.pyuvnet_b,
        'pyuvnet_b_commit': settings.pyuvnet_b and command_output(
            ['git', '-C', settings.pyuvnet_b, 'describe', '--always', '--dirty']),
        'paired_echo': {key: {'title': CELLS[key].title, 'rounds': len(rounds),
                              'rows': rows(rounds, names), 'round_figures': rounds}
                        for key, rounds in figures.items()},
    })
    return {**meta, **results.to_json()}


def run(settings, log):
    """The whole run: prints the rows, saves the record; its path."""
    begun = time.monotonic()
    try:
        results, figures, chosen_members, plan = measure(settings, log)
    except (Missing, ServerFailed, build.BuildError) as err:
        sys.exit(f'bench --paired-echo: {err}')
    record = record_of(settings, results, figures, chosen_members, plan,
                       time.monotonic() - begun)
    print(table(record))
    if settings.json:
        path = Path(settings.json)
    else:
        results_dir = build.bench_dir() / 'results'
        results_dir.mkdir(parents=True, exist_ok=True)
        path = output_stem(results_dir, f"{record['host']}-pairs").with_suffix('.json')
    path.write_text(json.dumps(record, indent=1) + '\n')
    print(f'\nsaved {path}')
    return path
