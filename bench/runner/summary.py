"""The summary that ends a run: per workload, pyuvnet's figure beside each
peer's, and the ratio in words ("3.9x uvicorn-asgi's req/s at 0.17x its
CPU", CPU per operation as the table's column); then the cells that failed, each with its reason. A pure function of
the Results, so that it is tested on recorded runs, not by running one."""
from __future__ import annotations

from . import headline_table
from .load import MIN_CPU_SECONDS
from .report import figure

WORDS = {'req/s': 'req/s', 'MiB/s': 'MiB/s', 'conn/s': 'connections/s',
         'KiB/conn': 'memory per connection'}


def counterpart(peer, systems):
    """The pyuvnet system a peer is compared with: the one of the same
    kind (uvicorn-asgi -> pyuvnet-asgi, node-http-module ->
    pyuvnet-http-module, fastpysgi-wsgi -> pyuvnet-wsgi), else pyuvnet's
    ASGI server for any other web server (granian-rsgi), else the plain
    pyuvnet server (the echo servers)."""
    kind = peer.partition('-')[2]
    for name in (f'pyuvnet-{kind}' if kind else None, 'pyuvnet-asgi' if kind.endswith('sgi')
                 else None, 'pyuvnet'):
        if name in systems:
            return name
    return None


def times(value):
    return f'{value:.0f}x' if value >= 10 else f'{value:.1f}x' if value >= 1 else f'{value:.2f}x'


def in_words(scenario, mine, peer, theirs):
    """'3.9x uvicorn-asgi's req/s at 0.17x its CPU' (pyuvnet's figures over
    the peer's); None when either lacks the figure."""
    value_mine, value_theirs = mine.median(scenario.metric), theirs.median(scenario.metric)
    if not value_mine or not value_theirs:
        return None
    text = f"{times(value_mine / value_theirs)} {peer}'s {WORDS[scenario.unit]}"
    cpu_mine, cpu_theirs = mine.median('cpu_us'), theirs.median('cpu_us')
    if cpu_mine and cpu_theirs:
        text += f' at {times(cpu_mine / cpu_theirs)} its CPU'
    return text


def workload(results, scenario):
    """The lines of one scenario's table: a row per system that gave a
    figure, pyuvnet's first; None when no pyuvnet system did."""
    cells = {name: results.cells[(scenario, name)] for name in results.systems(scenario)}
    ok = {name: cell for name, cell in cells.items() if cell.status == 'ok'}
    ours = [name for name in ok if name.startswith('pyuvnet')]
    if not ours:
        return None
    header = ['', scenario.unit, 'CPU us/op', '']
    rows = []
    for name in ours + [name for name in ok if name not in ours]:
        cell = ok[name]
        row = [name, figure(cell.median(scenario.metric), scenario.unit),
               figure(cell.median('cpu_us'), 'us')]
        mine = None if name in ours else counterpart(name, ours)
        words = mine and in_words(scenario, ok[mine], name, cell)
        rows.append(row + [f'{mine}: {words}' if words else ''])
    return [scenario.title, *aligned([header, *rows])]


def aligned(rows):
    """The name left, the figures right, the words left."""
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return ['  ' + '  '.join([row[0].ljust(widths[0]), row[1].rjust(widths[1]),
                              row[2].rjust(widths[2]), row[3]]).rstrip() for row in rows]


def failures(results):
    """'  system, workload: reason' for every cell that ran and failed."""
    return [f'  {name}, {scenario.title}: {cell.error}'
            for (scenario, name), cell in results.cells.items() if cell.status == 'error']


def missing(results):
    """'  system: reason', once per system that could not run at all (not
    one that only does not serve some workload)."""
    reasons, ran = {}, set()
    for (_, name), cell in results.cells.items():
        if cell.missing:
            reasons.setdefault(name, cell.missing)
        else:
            ran.add(name)
    return [f'  {name}: {reason}' for name, reason in reasons.items() if name not in ran]


def render(results, meta):
    """The summary's text."""
    s = meta['settings']
    out = ['', '=' * 72]
    if meta.get('headline'):
        out += headline_table.render(meta['headline'], meta)
        if not results.cells:  # --headline-only
            return '\n'.join(out)
        out += ['', '=' * 72, 'the details: echo, HTTP and web servers']
    out += [f"pyuvnet against the others: {meta['date']}, {meta['host']} ({meta['cpus']} CPUs); "
           f"medians of {s['repeats']} runs; CPU is the server's per operation"
           .replace('medians of 1 runs', 'one run each')]
    for scenario in results.scenarios():
        lines = workload(results, scenario)
        if lines:
            out += ['', *lines]
    if any(cell.status == 'ok' and cell.median('cpu_us') is None
           for cell in results.cells.values()):
        out += ['', f"CPU '-': the server used under {MIN_CPU_SECONDS:g} s of CPU in a "
                f"measured window, too little to divide; longer runs (BENCH_ARGS='--seconds 2') "
                f"give it"]
    failed = failures(results)
    if failed:
        out += ['', 'failed (each tried twice; the table above leaves them out):', *failed]
    absent = missing(results)
    if absent:
        out += ['', 'not run here:', *absent]
    return '\n'.join(out)
