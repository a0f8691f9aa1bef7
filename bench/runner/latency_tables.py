"""The figures of ``bench/latency.py`` (every server's latency at the same
open-loop rates) as bench/RESULTS.md's "Latency at equal load" tables
(issue 45's verdict on them is targets.latency_rows).

A latency figure set is latency.py's JSON: ``{cell: {'scenario', 'saturation',
'slowest', 'rates', 'windows', 'orders'}}``, ``windows[share][server]`` one
latency histogram per rotation (packed: latency_pool.pack), and ``run``,
what it ran on. Files written before 2026-11-27 07:00 hold one figure per
repeat of seconds (``latency`` instead of ``windows``), a method whose
verdict the machine's slow spells decided: they are not read. A full run
keeps the figures in its record as the ``latency`` script step.
``python bench/run.py --latency FILE --into bench/RESULTS.md`` writes the
tables between this module's markers (FILE: latency.py's JSON, or a full
run's record).
"""
from __future__ import annotations

import gzip
import json
import statistics

from . import latency_pool
from .report import versions

BEGIN = ('<!-- bench-latency:begin (python bench/run.py --latency FILE --into FILE; do not '
         'edit by hand) -->')
END = '<!-- bench-latency:end -->'

PERCENTILES = (('p50_us', 'p50'), ('p99_us', 'p99'), ('p999_us', 'p99.9'))
# Each cell's pyuvnet server, and the servers that are not Python (left out
# of the verdict, which is about the Python servers; libuv's C echo is the
# floor the machine allows).
MINE = {'echo': 'pyuvnet', 'http': 'pyuvnet-http-module'}
NOT_PYTHON = frozenset({'node', 'node-http-module', 'libuv'})
# A window whose own p99 is over this (µs) held a stall: at these loads
# every server's typical window, the C echo's too, is well under it.
STALL_US = 1000
TITLES = {'echo': 'Echo, 1 KiB round trips, 10 connections',
          'http': 'HTTP hello, keep-alive, 50 connections'}


def unpacked(by_name):
    """{server: its windows' histograms} of a rate's packed windows."""
    return {name: [latency_pool.unpack(window) for window in windows]
            for name, windows in by_name.items()}


def verdict_ratio(cell, by_name):
    """latency_pool.ratio of the cell's pyuvnet server's pooled p99 over the
    lowest other Python server's, or None without both (``by_name``: a
    rate's windows as latency.py's JSON holds them)."""
    by_name = unpacked(by_name)
    mine = MINE.get(cell)
    others = [name for name in by_name if name != mine and name not in NOT_PYTHON]
    if mine not in by_name or not others:
        return None
    return latency_pool.ratio(by_name, mine, others)


def ratio_line(cell, found):
    if found is None:
        return f'{MINE.get(cell)} or every other Python server missing: no ratio.'
    low, high = found['ci95'] or (None, None)
    ci = f'95% CI {low:.2f}–{high:.2f}' if low else 'no CI (one rotation)'
    return (f"{MINE[cell]} / {found['best']} (the lowest other Python p99): "
            f"**{found['ratio']:.2f}×** ({ci}, paired bootstrap over {found['rotations']} "
            'rotations).')


def window_spread(windows):
    """'median | k of n': the median of the windows' own p99s, and how many
    windows had a p99 over STALL_US (a stall of the machine's shows as such
    a window, for the C echo as for the rest)."""
    p99s = [p99 for p99 in latency_pool.window_p99s(windows) if p99 is not None]
    if not p99s:
        return '– | –'
    stalled = sum(1 for p99 in p99s if p99 > STALL_US)
    return f'{statistics.median(p99s):,.0f} | {stalled} of {len(p99s)}'


def cell_table(cell, figures):
    """One cell's table: a row per rate and server, pooled over the
    rotations, and at each rate the verdict's ratio with its interval."""
    mine = MINE.get(cell)
    ceiling = {name: statistics.median(runs) for name, runs in figures['saturation'].items()
               if runs}
    lines = [f"**{TITLES.get(cell, figures['scenario'])}**: saturation "
             '(closed loop, req/s) ' + ', '.join(f'{name} {rps:,.0f}' for name, rps in
                                                 ceiling.items())
             + f"; the rates are 50% and 80% of {figures['slowest']}'s.", '',
             '| server | rate, req/s | requests | p50 µs | p99 µs | p99.9 µs '
             f'| a window\'s p99, median µs | windows with p99 over {STALL_US:,} µs '
             f'| p99 × {mine} |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    ratios = []
    for share, by_name in figures['windows'].items():
        rate = f"{figures['rates'][share]:,} ({float(share):.0%})"
        by_window = unpacked(by_name)
        pooled = {name: latency_pool.summary(windows) for name, windows in by_window.items()}
        my_p99 = pooled.get(mine, {}).get('p99_us')
        for name, found in pooled.items():
            p99 = found['p99_us']
            versus = f'{p99 / my_p99:.2f}×' if p99 is not None and my_p99 else '–'
            lines.append(f"| {name} | {rate} | {found['requests']:,} | "
                         + ' | '.join('–' if found[key] is None else f'{found[key]:,.0f}'
                                      for key, _ in PERCENTILES)
                         + f' | {window_spread(by_window[name])} | {versus} |')
        ratios.append(f'- at {float(share):.0%}: ' + ratio_line(cell, verdict_ratio(cell, by_name)))
    return lines + [''] + ratios + ['']


def save(path, figures):
    """Write a figure set to ``path`` (a Path), gzipped when it ends in
    ``.gz``: every window's histogram makes 2-4 MB of JSON, a tenth of that
    compressed, which is what a run kept in bench/results/ should weigh."""
    text = json.dumps(figures, separators=(',', ':')) + '\n'
    if path.suffix == '.gz':
        path.write_bytes(gzip.compress(text.encode(), mtime=0))
    else:
        path.write_text(text)


def load(path):
    """The JSON document at ``path`` (a Path), gzipped or not (save)."""
    data = path.read_bytes()
    return json.loads(gzip.decompress(data) if data[:2] == b'\x1f\x8b' else data)


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
            if isinstance(figures, dict) and 'windows' in figures}


def run_line(run):
    s = run['settings']
    return (f"- **Run:** {run['date']} on {run['host']} ({run['cpu']}, {run['cpus']} CPUs, "
            f"Linux {run['kernel']}); {versions(run)}; saturation: {s['repeats']} closed-loop "
            f"runs of {s['seconds']:g} s per server; latency: {s['rotations']} rotations, each "
            f"a {s['window']:g} s window (after {s['window_warmup']:g} s warm-up) of every "
            'server at each rate in a shuffled order, the percentiles of the windows pooled '
            f"per server; {run['pinning']}.")


def section(latency):
    """Every cell's table (markdown), in latency.py's order."""
    out = [run_line(latency['run']), ''] if 'run' in latency else []
    for cell, figures in cells(latency).items():
        out += cell_table(cell, figures)
    return '\n'.join(out).rstrip() + '\n'

