"""bench/RESULTS.md's tables from a saved run: ``python bench/run.py
--markdown RUN.json [--before OLD.json] [--into bench/RESULTS.md]``.

Every figure is the median of the run's repeats with their minimum and
maximum; with ``--before``, each row also gives the earlier run's figure and
CPU per operation, and the change. ``--into`` replaces what lies between
the BEGIN and END markers of that file, so the hand-written prose around
them stays.
"""
from __future__ import annotations

import re
import statistics

from .matrix_chart import PANELS, has_points
from .report import figure, longer_cells, versions
from .results import Results
from .scenarios import MATRIX_CONNS, Scenario
from .systems import MATRIX_SYSTEMS
from .targets import rows as target_rows

BEGIN = '<!-- bench-tables:begin (python bench/run.py --markdown; do not edit by hand) -->'
END = '<!-- bench-tables:end -->'


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


def scenario_table(results, scenario, before):
    unit = scenario.unit
    header = ['system', f'{unit}, median (min–max)', 'p99 µs',
              f'CPU µs per {scenario.operation}' if scenario.operation else 'CPU µs/op']
    if before:
        header += [f'before: {unit}', 'before: CPU µs/op', 'CPU change']
    lines = [f'**{scenario.title}**', '', '| ' + ' | '.join(header) + ' |',
             '|' + ' --- |' * len(header)]
    for system in results.systems(scenario):
        cell = results.cells[(scenario, system)]
        row = [system, cell_text(cell, scenario.metric, unit),
               number(cell.median('p99_us'), 'us'), cell_text(cell, 'cpu_us', 'us')]
        if cell.status != 'ok':
            row[2:] = ['', '']
        if before:
            then_cpu = median_of(before, scenario, system, 'cpu_us')
            row += [number(median_of(before, scenario, system, scenario.metric), unit),
                    number(then_cpu, 'us'), change(cell.median('cpu_us'), then_cpu)]
        lines.append('| ' + ' | '.join(row) + ' |')
    return lines + ['']


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


def targets_table(rows):
    """The targets report (targets.rows), one table per issue: the first
    tables of bench/RESULTS.md, its headline."""
    out = ['### The targets', '']
    for issue in dict.fromkeys(row['issue'] for row in rows):
        out += [f'**Issue {issue}**', '',
                '| target | measured: ratio, median (min–max) | vs the C server | verdict |',
                '| --- | --- | --- | --- |']
        out += ['| ' + ' | '.join(md_cell(row[key]) for key in ('target', 'measured', 'versus_c',
                                                              'verdict')) + ' |'
                for row in rows if row['issue'] == issue]
        out.append('')
    return out


def render(record, before_record=None):
    """The tables of a saved run (and its comparison with an earlier one)."""
    results = Results.from_json(record)
    before = Results.from_json(before_record) if before_record else None
    s = record['settings']
    out = [f"- **Run:** {record['date']} on {record['host']} ({record['cpu']}, "
           f"{record['cpus']} CPUs, Linux {record['kernel']}); {versions(record)}.",
           f"- **Settings:** {s['repeats']} runs of {s['seconds']:g} s per cell"
           f"{longer_cells(s)} after {s['warmup']:g} s warm-up, interleaved; "
           f"{record['pinning']}; took {record['elapsed_s']:.0f} s.",
           '- **CPU µs/op:** the server\'s user+system CPU time (/proc/PID/stat, 10 ms ticks) '
           'over the measured window, divided by the operations in it (HTTP under wrk: over '
           'the whole wrk run, divided by every request).']
    if before_record:
        out.append(f"- **Before:** {before_record['date']}, {versions(before_record)}.")
    out.append('')
    out += targets_table(target_rows(record))
    if has_points(results):
        out += ['### The concurrency matrix', '']
        for mode, size, title, _ in PANELS:
            out += matrix_table(results, mode, size, title)
    families = (('echo', 'Echo'), ('proxy', 'Proxy: load generator -> proxy -> C echo server'),
                ('http', 'HTTP hello (wrk; pipelined: the load generator)'))
    for family, heading in families:
        scenarios = [sc for sc in results.scenarios() if sc.family == family]
        if scenarios:
            out += [f'### {heading}', '']
            for scenario in scenarios:
                out += scenario_table(results, scenario, before)
    if results.instructions:
        out += instructions_table(results, before)
    return '\n'.join(out).rstrip() + '\n'


def write_into(path, text):
    """Replace the marked part of ``path`` with ``text``."""
    document = path.read_text()
    pattern = re.compile(re.escape(BEGIN) + r'.*?' + re.escape(END), re.S)
    if not pattern.search(document):
        raise SystemExit(f'bench: {path} has no {BEGIN} ... {END} markers')
    path.write_text(pattern.sub(lambda _: f'{BEGIN}\n{text}{END}', document, count=1))
