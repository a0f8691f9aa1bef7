"""bench/RESULTS.md's tables from a saved run: ``python bench/run.py
--markdown RUN.json [--before OLD.json] [--into bench/RESULTS.md]``; and
one issue's target verdicts, ``--markdown RUN.json --targets N [--into
bench/targets/issue-N.md]`` (with ``--latency LATENCY.json``: the latency
verdicts from bench/latency.py's figures; the latency tables themselves
are latency_tables.py's).

The page is for someone choosing a server: one section per workload, each
of its load shapes a table of every server's figure with the ratio to
pyuvnet's (the server of that family a user writes: ``pyuvnet``, a Python
callback per read; ``pyuvnet-proxy``; ``pyuvnet-http-module``). Every
figure is the median of the run's repeats with their minimum and maximum;
with ``--before``, each row also gives the earlier run's figure and CPU per
operation, and the change. ``--into`` replaces what lies between the BEGIN
and END markers of that file, so the hand-written prose around them stays.
"""
from __future__ import annotations

import re
import statistics

from .isolate import idle_note
from .matrix_chart import PANELS, has_points
from .report import figure, longer_cells, versions
from .results import Results
from .scenarios import MATRIX_CONNS, Scenario
from .systems import MATRIX_SYSTEMS, WEB
from .ratios import ratio_of, ratio_text, user_us
from .targets import round_shares, rows as target_rows

BEGIN = '<!-- bench-tables:begin (python bench/run.py --markdown; do not edit by hand) -->'
END = '<!-- bench-tables:end -->'
WEB_BEGIN = '<!-- bench-web:begin (python bench/run.py --markdown --web; do not edit by hand) -->'
WEB_END = '<!-- bench-web:end -->'


def number(value, unit):
    return '–' if value is None else figure(value, unit)


def spread(values, unit):
    """'median (min–max)' of the runs, or '–'."""
    if not values:
        return '–'
    mid = number(statistics.median(values), unit)
    if len(values) == 1:
        return mid
    return f'{mid} ({number(min(values), unit)}–{number(max(values), unit)})'


def change(now, then):
    if now is None or not then:
        return '–'
    return f'{(now / then - 1) * 100:+.0f}%'


def cell_text(cell, key, unit):
    if cell is None:
        return '–'
    if cell.status != 'ok':
        return f'{cell.status}: {cell.reason}'.replace('|', '/')
    return spread(cell.values(key), unit)


def median_of(results, scenario, system, key):
    cell = results.cells.get((scenario, system)) if results else None
    return cell.median(key) if cell else None


# Each family's pyuvnet server, the one the ratios are taken to.
MINE = {'echo': 'pyuvnet', 'proxy': 'pyuvnet-proxy', 'http': 'pyuvnet-http-module'}


def times(value, mine):
    """A figure as a multiple of pyuvnet's, or '–'."""
    return '–' if value is None or not mine else f'{value / mine:.2f}×'


def idle_notes(results, systems):
    """The lines under a table for its servers that spin while idle (each
    one's median idle share over its starts in the run)."""
    notes = [note for note in (idle_note(s, results.idle_share(s)) for s in systems) if note]
    return [*notes, ''] if notes else []


def scenario_table(results, scenario, before):
    unit = scenario.unit
    mine = MINE[scenario.family]
    header = ['system', f'{unit}, median (min–max)', f'× {mine}', 'p99 µs',
              f'CPU µs per {scenario.operation}' if scenario.operation else 'CPU µs/op',
              f'CPU × {mine}']
    if before:
        header += [f'before: {unit}', 'before: CPU µs/op', 'CPU change']
    lines = [f'**{scenario.title}**', '', '| ' + ' | '.join(header) + ' |',
             '|' + ' --- |' * len(header)]
    my_rate = median_of(results, scenario, mine, scenario.metric)
    my_cpu = median_of(results, scenario, mine, 'cpu_us')
    for system in results.systems(scenario):
        cell = results.cells[(scenario, system)]
        row = [system, cell_text(cell, scenario.metric, unit),
               times(cell.median(scenario.metric), my_rate), number(cell.median('p99_us'), 'us'),
               cell_text(cell, 'cpu_us', 'us'), times(cell.median('cpu_us'), my_cpu)]
        if cell.status != 'ok':
            row[2:] = ['', '', '', '']
        if before:
            then_cpu = median_of(before, scenario, system, 'cpu_us')
            row += [number(median_of(before, scenario, system, scenario.metric), unit),
                    number(then_cpu, 'us'), change(cell.median('cpu_us'), then_cpu)]
        lines.append('| ' + ' | '.join(row) + ' |')
    return lines + [''] + idle_notes(results, results.systems(scenario))


def matrix_table(results, mode, size, title):
    """Systems by concurrency: CPU µs per operation, and how far the figure
    moved from 10 to the highest concurrency (the issue's flatness test)."""
    conns = MATRIX_CONNS[mode]
    header = ['system', *(f'{n:,}' for n in conns), f'{conns[-1]:,} vs 10']
    lines = [f'**{title}**, µs, median (min–max)', '', '| ' + ' | '.join(header) + ' |',
             '|' + ' --- |' * len(header)]
    for system in MATRIX_SYSTEMS:
        cells = [results.cells.get((Scenario(mode, 'tcp', size, n), system)) for n in conns]
        if not any(cells):
            continue
        at = dict(zip(conns, cells))
        flat = change(*(at[n].median('cpu_us') if at.get(n) else None for n in (conns[-1], 10)))
        lines.append('| ' + ' | '.join([system, *(cell_text(c, 'cpu_us', 'us') for c in cells),
                                        flat]) + ' |')
    return lines + ['']


def instructions_table(results, before):
    header = ['system', 'instructions per 1 KiB message', *(['before', 'change'] if before else [])]
    lines = ['**Instructions per echoed 1 KiB message** (user space, TCP, 10 connections)', '',
             '| ' + ' | '.join(header) + ' |', '|' + ' --- |' * len(header)]
    for system, entry in results.instructions.items():
        now = entry['instr_per_msg'] if isinstance(entry, dict) else None
        text = f'{now:,.0f}' if now is not None else str(entry).replace('|', '/')
        row = [system, text]
        if before:
            old = before.instructions.get(system)
            then = old['instr_per_msg'] if isinstance(old, dict) else None
            row += [f'{then:,.0f}' if then is not None else '–', change(now, then)]
        lines.append('| ' + ' | '.join(row) + ' |')
    return lines + ['']


def md_cell(value):
    """A table cell: no '|' (a script's output may hold some), one line."""
    return value.replace('|', '/').replace('\n', ' ')


def targets_table(rows, issue):
    """One issue's rows of the targets report (targets.rows)."""
    out = ['| target | measured: ratio, median (min–max) | vs the C server | verdict |',
           '| --- | --- | --- | --- |']
    out += ['| ' + ' | '.join(md_cell(row[key]) for key in ('target', 'measured', 'versus_c',
                                                          'verdict')) + ' |'
            for row in rows if row['issue'] == issue]
    return out + ['']


# Records since isolate.py say so: each server ran alone in its windows.
ISOLATED = ' (each server alone: the others stopped while it is measured)'


def run_lines(record, before_record=None):
    """What ran, how, and where: the bullets above a run's tables."""
    s = record['settings']
    out = [f"- **Run:** {record['date']} on {record['host']} ({record['cpu']}, "
           f"{record['cpus']} CPUs, Linux {record['kernel']}); {versions(record)}.",
           f"- **Settings:** {s['repeats']} runs of {s['seconds']:g} s per cell"
           f"{longer_cells(s)} after {s['warmup']:g} s warm-up, interleaved"
           f"{ISOLATED if record.get('isolated') else ''}; "
           f"{record['pinning']}; took {record['elapsed_s']:.0f} s.",
           '- **CPU µs/op:** the server\'s user+system CPU time (/proc/PID/stat, 10 ms ticks) '
           'over the measured window, divided by the operations in it (HTTP under wrk: over '
           'the whole wrk run, divided by every request). The targets\' user CPU is '
           'sampled every 100 µs of the server\'s CPU time where perf events allow '
           '(server_user_sampled_s, docs/BENCHMARKS.md), else /proc\'s.']
    if before_record:
        out.append(f"- **Before:** {before_record['date']}, {versions(before_record)}.")
    return out + ['']


def targets_page(record, issue):
    """``--targets N``: issue N's verdicts in the run, for bench/targets/."""
    return '\n'.join([*run_lines(record), *targets_table(target_rows(record), issue)]) + '\n'


# The page's sections: a workload, and which of a family's load shapes it holds.
WORKLOADS = (('Echo: small messages, round trips', 'echo', ('pingpong',)),
             ('Connections: connect, echo one byte, close', 'echo', ('connrate',)),
             ('Streaming: 64 KiB writes echoed', 'echo', ('stream',)),
             ('Proxy: load generator -> proxy -> C echo server', 'proxy', ('pingpong', 'stream')),
             ('HTTP hello (wrk; pipelined: the load generator)', 'http', ('http',)))


def web_mine(system):
    """The pyuvnet server a web server's row is compared with: the WSGI
    rows with pyuvnet.wsgi, the others (ASGI, RSGI) with pyuvnet.asgi."""
    return 'pyuvnet-wsgi' if system.endswith('-wsgi') else 'pyuvnet-asgi'


def user_figures(cell):
    """A cell's runs' server user CPU µs per request (the runs that have one)."""
    return [us for us in map(user_us, cell.runs) if us is not None] if cell else []


def web_table(results, scenario):
    """One web cell: requests/s, p99, and the server's user CPU per request
    (the unit of issue 43's targets) beside its user+system CPU."""
    header = ['system', 'req/s, median (min–max)', '× pyuvnet\'s', 'p99 µs',
              'user CPU µs per request', 'user CPU × pyuvnet\'s', 'user+system CPU µs']
    lines = [f'**{scenario.title}**', '', '| ' + ' | '.join(header) + ' |',
             '|' + ' --- |' * len(header)]
    shown = [s for s in WEB if (scenario, s) in results.cells]
    for system in shown:
        cell = results.cells[(scenario, system)]
        if cell.status != 'ok':
            lines.append(f'| {system} | {cell_text(cell, scenario.metric, "req/s")} |' +
                         ' |' * (len(header) - 2))
            continue
        users = user_figures(cell)
        mine = results.cells.get((scenario, web_mine(system)))
        mine_users = user_figures(mine)
        lines.append('| ' + ' | '.join([
            system, cell_text(cell, scenario.metric, 'req/s'),
            times(cell.median(scenario.metric), mine and mine.median(scenario.metric)),
            number(cell.median('p99_us'), 'us'), spread(users, 'us'),
            times(users and statistics.median(users),
                  mine_users and statistics.median(mine_users)),
            number(cell.median('cpu_us'), 'us')]) + ' |')
    return lines + [''] + idle_notes(results, shown)


def share_table(record):
    """The FastAPI share's paired rounds (share.py): each server's user CPU
    per request and its share (less FastAPI in process in the same round),
    and pyuvnet-asgi's share over it, per round (the target's ratio)."""
    figures = record.get('scripts', {}).get('fastapi_share') or {}
    rounds = figures.get('rounds')
    if not rounds or 'failed' in figures:
        return []
    apps = [r['app_us'] for r in rounds if r.get('app_us') is not None]
    lines = [f"**The servers' share of a FastAPI request** ({len(rounds)} rounds, each server "
             f"and FastAPI in process interleaved in {figures['slice_s']:g} s slices; FastAPI "
             f"in process {spread(apps, 'us')} µs per request)", '',
             '| system | user CPU µs per request | share µs | pyuvnet-asgi\'s share / its |',
             '| --- | --- | --- | --- |']
    mine = round_shares(figures, 'pyuvnet-asgi')
    for name in rounds[0]['servers']:
        whole = [r['servers'].get(name, {}).get('user_us') for r in rounds]
        shares = round_shares(figures, name)
        ratio = ratio_of(mine, [v if v is not None and v > 0 else None for v in shares])
        lines.append(f"| {name} | {spread([v for v in whole if v is not None], 'us')} | "
                     f"{spread([v for v in shares if v is not None], 'us')} | "
                     f"{ratio_text(ratio) if ratio else '–'} |")
    return lines + ['']


def render_web(record):
    """``--markdown RUN.json --web``: the Python web servers' tables (every
    http cell a WEB server ran in), for their own section of RESULTS.md."""
    results = Results.from_json(record)
    out = run_lines(record)
    for scenario in results.scenarios():
        if scenario.mode == 'http' and any((scenario, s) in results.cells for s in WEB):
            out += web_table(results, scenario)
    out += share_table(record)
    return '\n'.join(out).rstrip() + '\n'


def render(record, before_record=None):
    """The tables of a saved run (and its comparison with an earlier one)."""
    results = Results.from_json(record)
    before = Results.from_json(before_record) if before_record else None
    out = run_lines(record, before_record)
    for heading, family, modes in WORKLOADS:
        scenarios = [sc for sc in results.scenarios()
                     if sc.family == family and sc.mode in modes]
        if scenarios:
            out += [f'### {heading}', '']
            for scenario in scenarios:
                out += scenario_table(results, scenario, before)
    if has_points(results):
        out += ['### The concurrency matrix', '']
        for mode, size, title, _ in PANELS:
            out += matrix_table(results, mode, size, title)
    if results.instructions:
        out += instructions_table(results, before)
    return '\n'.join(out).rstrip() + '\n'


def write_into(path, text, begin=BEGIN, end=END):
    """Replace the part of ``path`` between the markers ``begin`` and
    ``end`` with ``text`` (a new file: the markers and the text)."""
    document = path.read_text() if path.exists() else f'{begin}\n{end}\n'

    pattern = re.compile(re.escape(begin) + r'.*?' + re.escape(end), re.S)
    if not pattern.search(document):
        raise SystemExit(f'bench: {path} has no {begin} ... {end} markers')
    path.write_text(pattern.sub(lambda _: f'{begin}\n{text}{end}', document, count=1))
