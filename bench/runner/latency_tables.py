"""The figures of ``bench/latency.py`` (every server's latency at the same
open-loop rates) as bench/RESULTS.md's "Latency at equal load" tables
(issue 45's verdict on them is targets.latency_rows).

A latency figure set is latency.py's JSON: ``{cell: {'scenario', 'saturation',
'slowest', 'rates', 'latency'}}``, each of ``latency[share][server][p]`` a
list with one figure per repeat (the repeats interleaved over the servers),
and ``run``, what it ran on (files written before 2026-11-26 noon have
none). A full run keeps it in its record as the ``latency`` script step.
``python bench/run.py --latency FILE --into bench/RESULTS.md`` writes the
tables between this module's markers (FILE: latency.py's JSON, or a full
run's record).
"""
from __future__ import annotations

import statistics

from .report import versions

BEGIN = ('<!-- bench-latency:begin (python bench/run.py --latency FILE --into FILE; do not '
         'edit by hand) -->')
END = '<!-- bench-latency:end -->'

PERCENTILES = (('p50_us', 'p50'), ('p99_us', 'p99'), ('p999_us', 'p99.9'))
# Each cell's pyuvnet server, and the servers that are not Python (left out
# of the verdict, which is about the Python servers).
MINE = {'echo': 'pyuvnet', 'http': 'pyuvnet-http-module'}
NOT_PYTHON = frozenset({'node', 'node-http-module'})
TITLES = {'echo': 'Echo, 1 KiB round trips, 10 connections',
          'http': 'HTTP hello, keep-alive, 50 connections'}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    """'median (min–max)' in µs, or '–'."""
    values = [v for v in values if v is not None]
    if not values:
        return '–'
    mid = f'{statistics.median(values):,.0f}'
    return mid if len(values) == 1 else f'{mid} ({min(values):,.0f}–{max(values):,.0f})'


def cell_table(cell, figures):
    """One cell's table: a row per rate and server."""
    mine = MINE.get(cell)
    ceiling = {name: median(runs) for name, runs in figures['saturation'].items()}
    lines = [f"**{TITLES.get(cell, figures['scenario'])}**: saturation "
             '(closed loop, req/s) ' + ', '.join(f'{name} {rps:,.0f}' for name, rps in
                                                 ceiling.items() if rps is not None)
             + f"; the rates are 50% and 80% of {figures['slowest']}'s.", '',
             '| server | rate, req/s | p50 µs | p99 µs | p99.9 µs | p99 × ' + f'{mine} |',
             '| --- | --- | --- | --- | --- | --- |']
    for share, by_name in figures['latency'].items():
        rate = f"{figures['rates'][share]:,} ({float(share):.0%})"
        my_p99 = median(by_name.get(mine, {}).get('p99_us', []))
        for name, values in by_name.items():
            p99 = median(values['p99_us'])
            versus = f'{p99 / my_p99:.2f}×' if p99 is not None and my_p99 else '–'
            lines.append(f'| {name} | {rate} | '
                         + ' | '.join(spread(values[key]) for key, _ in PERCENTILES)
                         + f' | {versus} |')
    return lines + ['']


def figures_of(data):
    """The latency figures in a JSON document: latency.py's own, or a full
    run's record (its ``latency`` step); None when it holds none."""
    if 'scripts' in data:
        data = data['scripts'].get('latency')
        if data is None or 'failed' in data:
            return None
    return data if cells(data) else None


def cells(latency):
    """{cell: figures} of a figure set (without its ``run``)."""
    return {cell: figures for cell, figures in latency.items()
            if isinstance(figures, dict) and 'latency' in figures}


def run_line(run):
    s = run['settings']
    return (f"- **Run:** {run['date']} on {run['host']} ({run['cpu']}, {run['cpus']} CPUs, "
            f"Linux {run['kernel']}); {versions(run)}; {s['repeats']} repeats of "
            f"{s['seconds']:g} s after {s['warmup']:g} s warm-up, interleaved; "
            f"{run['pinning']}.")


def section(latency):
    """Every cell's table (markdown), in latency.py's order."""
    out = [run_line(latency['run']), ''] if 'run' in latency else []
    for cell, figures in cells(latency).items():
        out += cell_table(cell, figures)
    return '\n'.join(out).rstrip() + '\n'

