"""The headline's table (headline.py's record), the first screen of the
summary: per kind of user, each server's median req/s with the spread of
the repeats, its CPU per request and pyuvnet's ratio to it, in both views
side by side; then the issue's targets, met or missed. A pure function
of the record, tested on made-up ones."""
from __future__ import annotations

import statistics

from .headline import KINDS, TARGETS

FIGURE_WIDTH, CPU_WIDTH, RATIO_WIDTH = 13, 8, 10
REASON_WIDTH = 110


def values(cell, key):
    return [run[key] for run in cell.get('runs', ()) if run.get(key) is not None]


def median(cell, key):
    found = values(cell, key)
    return statistics.median(found) if found else None


def spread_text(rates):
    """'9,800 ±3%': the median, and half the min-max range in percent of it
    (nothing after one run)."""
    middle = statistics.median(rates)
    text = f'{middle:,.0f}'
    if len(rates) > 1 and middle:
        text += f' ±{(max(rates) - min(rates)) / 2 / middle * 100:.0f}%'
    return text


def times(value):
    return f'{value:.1f}x' if value >= 1 else f'{value:.2f}x'


def ratio(cells, entrant):
    """pyuvnet's median rate over ``entrant``'s, or None."""
    if entrant.versus is None:
        return None
    mine = median(cells.get(entrant.versus, {}), 'rps')
    theirs = median(cells.get(entrant.name, {}), 'rps')
    return mine / theirs if mine and theirs else None


def view_cells(cells, entrant):
    """The three columns of one entrant in one view's cells."""
    cell = cells.get(entrant.name)
    if cell is None:
        return ['', '', '']
    if 'runs' not in cell or not cell['runs']:
        return ['missing' if 'missing' in cell else 'error', '', '']
    cpu = median(cell, 'cpu_us')
    value = ratio(cells, entrant)
    return [spread_text(values(cell, 'rps')), '-' if cpu is None else f'{cpu:,.0f}',
            '' if value is None else times(value)]


def kind_lines(kind, record, view_keys, name_width):
    widths = (FIGURE_WIDTH, CPU_WIDTH, RATIO_WIDTH)
    head = ''.join(f'{kind.unit:>{FIGURE_WIDTH}}{"CPU us":>{CPU_WIDTH}}{"pyuvnet x":>{RATIO_WIDTH}}'
                   for _ in view_keys)
    lines = [kind.title, '  ' + ' ' * name_width + head]
    for entrant in kind.entrants:
        columns = []
        for view in view_keys:
            cells = record['cells'][view].get(kind.key, {})
            columns += [text.rjust(width) for text, width in
                        zip(view_cells(cells, entrant), widths)]
        lines.append(('  ' + entrant.name.ljust(name_width) + ''.join(columns)).rstrip())
    return lines


def reasons(record, kinds):
    """'  kind, entrant (view): reason' of every cell without figures."""
    out = []
    for view, by_kind in record['cells'].items():
        for kind in kinds:
            for name, cell in by_kind.get(kind.key, {}).items():
                why = cell.get('missing') or cell.get('error')
                if why:
                    line = f'  {kind.key}, {name} ({record["views"][view]["title"]}): {why}'
                    out.append(line[:REASON_WIDTH])
    return out


def target_lines(record, kinds=KINDS, targets=TARGETS):
    """The issue's targets, read in the one-core view: 'met' or 'MISSED'."""
    cells_by_kind = record['cells'].get('pinned')
    if cells_by_kind is None:
        return ['targets: not measured (one core each needs 2 CPUs and taskset)']
    titles = {kind.key: kind.title.split(':')[0] for kind in kinds}
    out = []
    for key, peers, goal in targets:
        cells = cells_by_kind.get(key, {})
        mine = median(cells.get('pyuvnet serve', {}), 'rps')
        rates = [(median(cells.get(peer, {}), 'rps'), peer) for peer in peers]
        rates = [(rate, peer) for rate, peer in rates if rate]
        if not mine or len(rates) < len(peers):
            out.append(f'  {titles[key]}: not measured (a server gave no figure)')
            continue
        best, peer = max(rates)
        value = mine / best
        verdict = 'met' if value >= goal else 'MISSED'
        cpu_mine, cpu_theirs = median(cells['pyuvnet serve'], 'cpu_us'), median(cells[peer],
                                                                               'cpu_us')
        cpu = busy = ''
        if cpu_mine and cpu_theirs:
            # How much of its one core each server kept busy: well under 1,
            # it waited (for a CPU shared with other work, or for its I/O).
            cpu = f' at {cpu_mine / cpu_theirs:.2f}x its CPU'
            busy = f'    busy: pyuvnet serve {mine * cpu_mine / 1e4:.0f}% of its core, {peer} ' \
                   f'{best * cpu_theirs / 1e4:.0f}%'
        better = f', the better of {" and ".join(peers)}' if len(peers) > 1 else ''
        out.append(f"  {titles[key]}: pyuvnet serve {value:.2f}x {peer}'s req/s{cpu}{better} "
                   f'(target {goal:g}x: {verdict})')
        out += [busy] if busy else []
    return ['targets, one core each (issue 71):', *out]


def render(record, meta=None, kinds=KINDS):
    """The headline's lines."""
    meta = meta or {}
    view_keys = list(record['views'])
    name_width = max(len(entrant.name) for kind in kinds for entrant in kind.entrants)
    span = FIGURE_WIDTH + CPU_WIDTH + RATIO_WIDTH
    before, after = record['loadavg_before'][0], record['loadavg_after'][0]
    where = ', '.join(filter(None, (meta.get('date'), meta.get('host') and
                                    f"{meta['host']} ({meta.get('cpus')} CPUs)")))
    out = [f'pyuvnet against what you run today{": " + where if where else ""}',
           f"medians of {record['repeats']} interleaved runs of {record['seconds']:g} s, "
           f'± half their min-max range; load average {before:.2f} before, {after:.2f} after;',
           "CPU us: the server's CPU (user+system, all its processes) per request or message;",
           "pyuvnet x: pyuvnet's rate over the row's (the pyuvnet row above it)",
           '  ' + ' ' * name_width + ''.join(
               record['views'][view]['title'].rjust(span) for view in view_keys),
           '  ' + ' ' * name_width + ''.join(
               f"({record['views'][view]['note']})"[:span].rjust(span) for view in view_keys)]
    for kind in kinds:
        out += ['', *kind_lines(kind, record, view_keys, name_width)]
    out += ['', *target_lines(record, kinds)]
    absent = reasons(record, kinds)
    if absent:
        out += ['', 'without figures:', *absent]
    return out
