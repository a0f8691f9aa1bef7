"""Ratios of two sides' run figures, and the targets' report rows built on
them (targets.py holds the issues' rows).

A ratio is pyuvnet's figure over the reference's, taken per repeat pair
(the runs are interleaved: run i of every system came in the same repeat)
and given as their median with the lowest and highest (and, from six
pairs, the median's 95% confidence interval, medians.py); where the two
sides have different numbers of runs, it is the ratio of the medians, with
the widest range the runs allow ("unpaired")."""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from . import medians
from .load import operations
from .scenarios import Scenario
from .systems import echo_name


@dataclass(frozen=True)
class Ratio:
    median: float
    low: float
    high: float
    mine: float    # the medians of each side
    theirs: float
    paired: bool
    ci: tuple[float, float] | None = None   # the median's 95% interval (6+ pairs)


def ratio_of(mine, theirs):
    """The Ratio of two lists of run figures (None: a run without one); None
    when either side has no figure."""
    ok_mine = [v for v in mine if v is not None]
    ok_theirs = [v for v in theirs if v]
    if not ok_mine or not ok_theirs:
        return None
    pairs = [a / b for a, b in zip(mine, theirs) if a is not None and b] \
        if len(mine) == len(theirs) else []
    mid_mine, mid_theirs = statistics.median(ok_mine), statistics.median(ok_theirs)
    if pairs:
        return Ratio(statistics.median(pairs), min(pairs), max(pairs), mid_mine, mid_theirs, True,
                     medians.median_ci(sorted(pairs)))
    return Ratio(mid_mine / mid_theirs, min(ok_mine) / max(ok_theirs),
                 max(ok_mine) / min(ok_theirs), mid_mine, mid_theirs, False)


def ratio_text(r):
    spread = f'{r.low:.2f}–{r.high:.2f}' + ('' if r.paired else ', unpaired')
    if r.ci:
        spread = f'95% CI {r.ci[0]:.2f}–{r.ci[1]:.2f}, range {spread}'
    return f'{r.median:.2f}× ({spread})'


def verdict(value, bound, higher=False, strict=False):
    """'met', or 'missed by N%' relative to the bound."""
    if higher:
        met = value > bound if strict else value >= bound
        short = 1 - value / bound
    else:
        met = value < bound if strict else value <= bound
        short = value / bound - 1
    if met:
        return 'met'
    return f'missed by {short * 100:.0f}%' if short >= 0.005 else 'missed (level)'


def row(issue, target, measured=None, versus_c='–', ratio=None, bound=None, higher=False,
        strict=False, why=None, note=''):
    """One report row; ``why`` instead of a ratio: it has no figure."""
    if ratio is None:
        return {'issue': issue, 'target': target, 'measured': '–', 'versus_c': versus_c,
                'verdict': f'no figure: {why}', 'ratio': None, 'met': None}
    text = verdict(ratio.median, bound, higher, strict)
    return {'issue': issue, 'target': target, 'measured': measured + note, 'versus_c': versus_c,
            'verdict': text, 'ratio': ratio.median, 'met': text == 'met'}


# -- figures of the runs -------------------------------------------------

def cells(record):
    """{(Scenario, system): saved result row} of a record."""
    return {(Scenario(**r['scenario']), echo_name(record, r['system'])): r
            for r in record.get('results', [])}


def user_us(run):
    """The server's user CPU µs per operation of one run, or None."""
    if run.get('cpu_us') is None or run.get('server_user_s') is None:
        return None
    return run.get('server_user_sampled_s', run['server_user_s']) * 1e6 / operations(run)


def series(table, scenario, system, extract):
    """(the runs' figures, None) or (None, why the cell has none)."""
    cell = table.get((scenario, system))
    if cell is None:
        return None, f'{system} did not run ({scenario.title})'
    if cell['status'] != 'ok':
        return None, f"{system} {cell['status']}: {cell['reason']}"
    return [extract(run) for run in cell['runs']], None


def compare(table, scenario, mine, theirs, extract, what):
    """(Ratio, None) or (None, why)."""
    a, why = series(table, scenario, mine, extract)
    b, why_b = series(table, scenario, theirs, extract)
    if why or why_b:
        return None, why or why_b
    ratio = ratio_of(a, b)
    return (ratio, None) if ratio else (None, f'{scenario.title}: no {what}')


def throughput(scenario):
    return lambda run: run.get(scenario.metric)


def p99(run):
    return run.get('p99_us')


def pair_row(issue, target, table, scenario, mine, theirs, extract, what, unit, bound,
             higher=False, strict=False, versus_c='–', note=''):
    ratio, why = compare(table, scenario, mine, theirs, extract, what)
    measured = ratio and (f'{ratio_text(ratio)}; {mine} {figure(ratio.mine, unit)}, '
                          f'{theirs} {figure(ratio.theirs, unit)}')
    return row(issue, target, measured, versus_c, ratio, bound, higher, strict, why, note)


def figure(value, unit):
    digits = ',.0f' if value >= 100 else '.2f'
    return f'{value:{digits}} {unit}'.rstrip()
