"""Pooling the open loop's short windows into one latency distribution per
server, and how far the ratio of two servers' pooled p99 can be trusted.

bench/latency.py measures every server in many short windows, the servers
taking turns in a shuffled order in each rotation, so the machine's slow
and fast spells fall on all of them alike. Each window's figures are the
load generator's histogram (``hist_ns``: [value_ns, count] per bucket,
loadgen_report.c; a run's JSON holds them packed, see pack). A server's
percentiles are those of its windows pooled, with the load generator's own
rank rule (so one window pooled alone gives exactly the percentiles it
printed).

The confidence interval of a ratio is a paired bootstrap over rotations:
each resample draws rotation indices with replacement, the same indices for
every server, and pools each server's windows of those rotations; the
interval holds the middle 95% of the resampled ratios. Drawing whole
rotations keeps each server's window beside the others' of the same
seconds, so a slow spell moves both sides of the ratio and not the ratio.
"""
from __future__ import annotations

import bisect
import math
import random

PERCENTILES = (('p50_us', 0.50), ('p99_us', 0.99), ('p999_us', 0.999))
RESAMPLES = 2000
SEED = 45  # a fixed seed: the same figures always give the same interval


def pack(hist_ns):
    """A window's [[value_ns, count], ...] (values rising) as one flat list,
    each value after the first as its step from the one before: a run's
    JSON holds hundreds of windows, and the steps are the short numbers."""
    flat, before = [], 0
    for value, count in hist_ns:
        flat += [value - before, count]
        before = value
    return flat


def unpack(flat):
    """pack's list as [[value_ns, count], ...] again."""
    out, value = [], 0
    for at in range(0, len(flat), 2):
        value += flat[at]
        out.append([value, flat[at + 1]])
    return out


def pooled(windows):
    """{value_ns: count} of windows' histograms summed."""
    out = {}
    for hist in windows:
        for value, count in hist:
            out[value] = out.get(value, 0) + count
    return out


def rank(total, p):
    """The 1-based rank of percentile ``p`` among ``total`` samples, as
    loadgen_report.c's print_percentile counts it."""
    return max(1, int(p * total + 0.999999))


def us(value_ns):
    """ns in µs to the 0.1 µs the load generator prints."""
    return round(value_ns / 1e3, 1)


def percentile_us(hist, p):
    """Percentile ``p`` of a {value_ns: count} histogram in µs; None if empty."""
    total = sum(hist.values())
    if not total:
        return None
    want, seen = rank(total, p), 0
    for value in sorted(hist):
        seen += hist[value]
        if seen >= want:
            return us(value)
    raise AssertionError('unreachable: the ranks end at the total')


def summary(windows):
    """A server's pooled p50, p99 and p99.9 (µs) and its requests."""
    hist = pooled(windows)
    return {'requests': sum(hist.values()),
            **{key: percentile_us(hist, p) for key, p in PERCENTILES}}


def window_p99s(windows):
    """Each window's own p99 (µs): how a server's tail goes from window to
    window, where the pooled p99 follows the worst window or two."""
    return [percentile_us(pooled([hist]), 0.99) for hist in windows]


class Cumulative:
    """A server's windows as cumulative counts over the values any of them
    holds: a weighted pooling's percentile is then a binary search."""

    def __init__(self, windows):
        self.values = sorted(pooled(windows))
        self.rows = []
        for hist in windows:
            counts = dict(hist)
            running, row = 0, []
            for value in self.values:
                running += counts.get(value, 0)
                row.append(running)
            self.rows.append(row)

    def percentile_us(self, weights, p):
        """Percentile ``p`` of the windows pooled ``weights[i]`` times each."""
        used = [(w, row) for w, row in zip(weights, self.rows) if w]
        total = sum(w * row[-1] for w, row in used) if self.values else 0
        if not total:
            return None
        want = rank(total, p)
        at = bisect.bisect_left(range(len(self.values)), want,
                                key=lambda j: sum(w * row[j] for w, row in used))
        return us(self.values[at])


def ratio(by_server, mine, others, p=0.99, resamples=RESAMPLES, seed=SEED):
    """``mine``'s pooled percentile over the lowest of ``others``' (each a
    list of windows, rotation i of every list measured in the same
    rotation): {'ratio', 'best', 'mine_us', 'best_us', 'ci95', 'rotations'},
    the CI by the paired bootstrap; None without figures on either side."""
    rotations = len(by_server[mine])
    if any(len(by_server[name]) != rotations for name in others):
        raise ValueError('every server needs one window per rotation')
    tables = {name: Cumulative(by_server[name]) for name in (mine, *others)}

    def lowest_other(weights):
        figures = {name: tables[name].percentile_us(weights, p) for name in others}
        figures = {name: v for name, v in figures.items() if v}
        return min(figures.items(), key=lambda item: item[1]) if figures else (None, None)

    everything = [1] * rotations
    mine_us = tables[mine].percentile_us(everything, p)
    best, best_us = lowest_other(everything)
    if not mine_us or best is None:
        return None
    draw = random.Random(seed)
    resampled = []
    for _ in range(resamples if rotations > 1 else 0):
        weights = [0] * rotations
        for _ in range(rotations):
            weights[draw.randrange(rotations)] += 1
        theirs, mine_again = lowest_other(weights)[1], tables[mine].percentile_us(weights, p)
        if theirs and mine_again:
            resampled.append(mine_again / theirs)
    resampled.sort()
    ci = ((resampled[math.floor(0.025 * (len(resampled) - 1))],
           resampled[math.ceil(0.975 * (len(resampled) - 1))]) if resampled else None)
    return {'ratio': mine_us / best_us, 'best': best, 'mine_us': mine_us, 'best_us': best_us,
            'ci95': ci, 'rotations': rotations}
