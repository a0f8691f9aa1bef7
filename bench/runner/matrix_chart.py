"""The concurrency matrix's chart (--full): the server's CPU per operation
against concurrency, one line per system, log-log."""
from __future__ import annotations

import statistics

from .scenarios import MATRIX_CONNS, Scenario
from .systems import MATRIX_SYSTEMS

# (mode, size, panel title, x axis)
PANELS = (
    ('pingpong', 1024, 'ping-pong 1 KiB: server CPU per round trip', 'concurrent connections'),
    ('connrate', 1, 'connect + 1-byte echo + close: server CPU per connection',
     'parallel connecting slots'),
)
COLOURS = {'pyuvnet': 'tab:orange', 'uvloop-protocol': 'tab:blue', 'node': 'tab:green',
           'libuv': 'tab:grey', 'asyncio-protocol': 'tab:purple'}


def points(results, mode, size, system):
    """[(concurrency, median, min, max)] of one system's CPU us per operation."""
    out = []
    for conns in MATRIX_CONNS[mode]:
        cell = results.cells.get((Scenario(mode, 'tcp', size, conns), system))
        values = cell.values('cpu_us') if cell else []
        if values:
            out.append((conns, statistics.median(values), min(values), max(values)))
    return out


def has_points(results):
    return any(points(results, mode, size, system)
               for mode, size, _, _ in PANELS for system in MATRIX_SYSTEMS)


def chart(results, caption, path):
    """Draws the chart into ``path``; False when there is nothing to draw
    or matplotlib is not installed."""
    if not has_points(results):
        return False
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FormatStrFormatter
    except ImportError:
        return False
    fig, axes = plt.subplots(1, len(PANELS), figsize=(13, 5.5), layout='constrained')
    for ax, (mode, size, title, xlabel) in zip(axes, PANELS):
        for system in MATRIX_SYSTEMS:
            found = points(results, mode, size, system)
            if not found:
                continue
            xs, mids, lows, highs = zip(*found)
            ax.errorbar(xs, mids, yerr=[[m - lo for m, lo in zip(mids, lows)],
                                        [hi - m for m, hi in zip(mids, highs)]],
                        marker='o', capsize=3, label=system, color=COLOURS[system])
        ax.set_xscale('log')
        ax.set_yscale('log')
        conns = MATRIX_CONNS[mode]
        ax.set_xticks(conns, [f'{n:,}' for n in conns])
        ax.set_xlim(conns[0] / 1.5, conns[-1] * 1.5)
        for axis in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
            axis(FormatStrFormatter('%g'))
        ax.set_xlabel(xlabel)
        ax.set_ylabel('server user+system CPU, µs per operation')
        ax.set_title(f'{title}: lower is better', fontsize=9)
        ax.grid(True, which='both', alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(caption, fontsize=9)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True
