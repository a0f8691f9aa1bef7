"""The table on stdout, the JSON record and the PNG chart."""
from __future__ import annotations

import json
import time
from pathlib import Path

from . import matrix_chart
from .isolate import idle_note
from .results import DETAILS
from .scenarios import INSTRUCTIONS
from .systems import REFERENCES


def figure(value, unit):
    if value is None:
        return '-'
    if unit == 'KiB/conn':
        return f'{value:.2f}'
    return f'{value:,.0f}' if value >= 100 else f'{value:.1f}'


def ratio(value):
    return '-' if value is None else f'{value:.2f}x'


class Footnotes:
    """Numbers each distinct reason a cell shows no figure."""

    def __init__(self):
        self.reasons = {}

    def mark(self, system, reason):
        key = f'{system}: {reason}'
        return f'[{self.reasons.setdefault(key, len(self.reasons) + 1)}]'

    def lines(self):
        return [f'  [{n}] {reason}' for reason, n in self.reasons.items()]


def scenario_rows(results, scenario, notes):
    """Header and rows of one scenario's block."""
    refs = REFERENCES[scenario.family]
    runs = [run for (s, _), cell in results.cells.items() if s == scenario for run in cell.runs]
    details = [d for d in DETAILS if any(run.get(d) is not None for run in runs)]
    instr = scenario == INSTRUCTIONS and results.instructions
    header = ['system', scenario.unit, *(DETAILS[d] for d in details),
              *(f'vs {ref}' for ref in refs), *(['instr/msg'] if instr else [])]
    rows = []
    for system in results.systems(scenario):
        cell = results.cells[(scenario, system)]
        if cell.status != 'ok':
            rows.append([system, f'{cell.status} {notes.mark(system, cell.reason)}'])
            continue
        row = [system, figure(cell.median(scenario.metric), scenario.unit),
               *(figure(cell.median(d), 'us') for d in details),
               *(ratio(r) for r in results.ratios(scenario, system).values())]
        if instr:
            row.append(instructions_text(results.instructions.get(system), system, notes))
        rows.append(row)
    return header, rows


def instructions_text(entry, system, notes):
    """The instr/msg cell: a count, or 'missing'/'error' and a footnote."""
    if entry is None:
        return '-'
    if isinstance(entry, str):  # 'missing: why' or 'error: why'
        status, reason = entry.split(': ', 1)
        return f'{status} {notes.mark(system, reason)}'
    text = f"{entry['instr_per_msg']:,.0f}"
    return text if entry['settled'] else text + '~'


def layout(header, rows):
    """Aligned lines; a row of two cells is a status spanning the figures."""
    full = [header, *(r for r in rows if len(r) == len(header))]
    widths = [max(len(r[i]) for r in full) for i in range(len(header))]

    def line(row):
        if len(row) < len(header):
            return '  ' + row[0].ljust(widths[0]) + '  ' + '  '.join(row[1:])
        return '  ' + '  '.join([row[0].ljust(widths[0]),
                                 *(c.rjust(w) for c, w in zip(row[1:], widths[1:]))])
    return [line(header), *(line(r) for r in rows)]


def longer_cells(settings):
    """The clause for the cells measured longer (records since 2026-11-24;
    the HTTP cells' length, since 2026-11-27)."""
    seconds, http = settings.get('user_cpu_seconds'), settings.get('http_seconds')
    clause = f"{seconds:g} s for the targets' user-CPU cells" if seconds else ''
    if http:
        clause += f"{', ' if clause else ''}{http:g} s for the HTTP cells"
    return f' ({clause})' if clause else ''


def render(results, meta):
    notes = Footnotes()
    out = [f"pyuvnet benchmark, {meta['date']} on {meta['host']} "
           f"({meta['cpu']}, {meta['cpus']} CPUs, Linux {meta['kernel']})",
           f"{meta['pinning']}; median of {meta['settings']['repeats']} runs of "
           f"{meta['settings']['seconds']:g} s{longer_cells(meta['settings'])} after "
           f"{meta['settings']['warmup']:g} s warm-up",
           "ratios are this system's figure over the reference's (for KiB/conn, lower is better)",
           "CPU us/op: the server's user+system CPU time per operation (round trip, connection, "
           "write echoed or HTTP request) over the measured window (HTTP: the whole wrk run)"]
    for scenario in results.scenarios():
        header, rows = scenario_rows(results, scenario, notes)
        out += ['', scenario.title, *layout(header, rows)]
    if results.instructions:
        out += ['', f"instr/msg: user-space instructions the server ran per echoed 1 KiB "
                    f"message, counted with {meta['instructions_method']}"
                    " (~: had not settled within 5%)"]
    spinning = [note for note in (idle_note(s, results.idle_share(s)) for s in results.idle_cpu)
                if note]
    if spinning:
        out += ['', *spinning]
    if notes.reasons:
        out += ['', 'no figure:', *notes.lines()]
    out += ['', f"took {meta['elapsed_s']:.0f} s"]
    return '\n'.join(out)


def targets_text(rows):
    """The targets report (targets.rows) at the end of a run: per row, the
    target, then the verdict with the figures."""
    out = ['targets (ratios in this run: median (min–max) over the repeats)']
    for row in rows:
        figures = '' if row['measured'] == '–' else f": {row['measured']}"
        versus = '' if row['versus_c'] == '–' else f"; vs the C server: {row['versus_c']}"
        out += [f"  #{row['issue']} {row['target']}", f"      {row['verdict']}{figures}{versus}"]
    return '\n'.join(out)


def output_stem(results_dir, host):
    """bench/results/<date>-<host>, with -2, -3... rather than overwrite."""
    stem = f"{time.strftime('%Y-%m-%d')}-{host}"
    path, n = results_dir / stem, 1
    while path.with_suffix('.json').exists():
        n += 1
        path = results_dir / f'{stem}-{n}'
    return path


def save(results, meta, results_dir):
    """Writes the JSON record and, with matplotlib, the charts; the paths
    written."""
    results_dir.mkdir(parents=True, exist_ok=True)
    stem = output_stem(results_dir, meta['host'])
    json_path = stem.with_suffix('.json')
    json_path.write_text(json.dumps({**meta, **results.to_json()}, indent=1) + '\n')
    return [json_path, *draw(results, meta, json_path)]


def draw(results, meta, json_path):
    """The charts of a run saved as ``json_path``, beside it: the bars
    (.png) and, when the concurrency matrix ran, its lines (-matrix.png).
    The paths drawn; none without matplotlib."""
    drawn = []
    png_path = json_path.with_suffix('.png')
    if chart(results, meta, png_path):
        drawn.append(png_path)
    matrix_path = json_path.with_name(json_path.stem + '-matrix.png')
    if matrix_chart.chart(results, chart_caption(meta, 'points'), matrix_path):
        drawn.append(matrix_path)
    return drawn


# Bar colours: pyuvnet, the references its ratios are taken against, the rest.
GROUPS = (('pyuvnet', 'tab:orange'), ('reference (Node, bare libuv)', 'tab:grey'),
          ('other Python servers', 'tab:blue'))


def bar_colour(system):
    if system.startswith('pyuvnet'):
        return GROUPS[0][1]
    return GROUPS[1][1] if system.split('-')[0] in ('node', 'libuv') else GROUPS[2][1]


def versions(meta):
    """'Python 3.11.7, Node v20..., ...': what a run's record says ran."""
    return ', '.join(f'{name} {meta[key]}' for name, key in (
        ('Python', 'python'), ('Node', 'node'), ('uvloop', 'uvloop'), ('httptools', 'httptools'),
        ('uvicorn', 'uvicorn'), ('granian', 'granian'), ('fastpysgi', 'fastpysgi'),
        ('FastAPI', 'fastapi'), ('system libuv', 'libuv'), ("pyuvnet's libuv", 'pyuvnet_libuv'),
        ('pyuvnet', 'pyuvnet_commit')) if meta.get(key))


def chart_caption(meta, marks='bars'):
    """Two lines: what ran it (versions), and how (settings)."""
    s = meta['settings']
    return (f"pyuvnet benchmark, {meta['date']}, {meta['host']} ({meta['cpu']}, "
            f"{meta['cpus']} CPUs, Linux {meta['kernel']})\n{versions(meta)}\n"
            f"{marks}: median of {s['repeats']} runs of {s['seconds']:g} s{longer_cells(s)} after "
            f"{s['warmup']:g} s warm-up; whiskers: min to max of the runs; {meta['pinning']}")


def chart(results, meta, path):
    """One bar panel per scenario, with the repeats' spread; False when
    matplotlib is not installed."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
    except ImportError:
        return False
    scenarios = results.scenarios()
    if not scenarios:  # a run of the headline alone: its table is the summary's
        return False
    cols = 2
    rows = (len(scenarios) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(13, 2.7 * rows + 1.4), squeeze=False,
                             layout='constrained')
    for ax, scenario in zip(axes.flat, scenarios):
        systems = results.systems(scenario)
        values = [results.value(scenario, s) for s in systems]
        runs = [results.cells[(scenario, s)].values(scenario.metric) for s in systems]
        spread = [[v - min(r) if r else 0 for v, r in zip(values, runs)],
                  [max(r) - v if r else 0 for v, r in zip(values, runs)]]
        ax.barh(systems, [v or 0 for v in values], color=[bar_colour(s) for s in systems],
                xerr=spread, error_kw={'elinewidth': 1, 'capsize': 3, 'ecolor': 'black'})
        for y, (value, r) in enumerate(zip(values, runs)):
            label = figure(value, scenario.unit) if value is not None else \
                results.cells[(scenario, systems[y])].status
            ax.text(max(r) if r else 0, y, '  ' + label, va='center', fontsize=8)
        ax.invert_yaxis()
        better = 'lower' if scenario.lower_is_better else 'higher'
        ax.set_title(f'{scenario.title}: {scenario.unit}, {better} is better', fontsize=9)
        ax.tick_params(labelsize=8)
        ax.margins(x=0.3)
    for ax in list(axes.flat)[len(scenarios):]:
        ax.axis('off')
    fig.legend(handles=[Patch(color=colour, label=label) for label, colour in GROUPS],
               loc='outside lower center', ncol=len(GROUPS), fontsize=9, frameon=False)
    fig.suptitle(chart_caption(meta), fontsize=9)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def path_text(path):
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return str(path)
