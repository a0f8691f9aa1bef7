"""The median of per-round figures, and how far it can be trusted: a
distribution-free 95% confidence interval (median_ci), the quartiles and
the range (spread). Used by the paired rounds (echo_pairs.py) and by the
target rows' per-repeat ratios (targets.py)."""
from __future__ import annotations

import math
import statistics


def median_ci(values, level=0.95):
    """A distribution-free confidence interval for the median of sorted
    ``values``: the k-th lowest and highest, k the largest whose binomial
    tail (each value below the median with chance 1/2) is at most
    (1 - level) / 2; None with too few values (under 6 at 95%)."""
    n, tail, k = len(values), 0.0, 0
    while True:
        tail += math.comb(n, k) / 2 ** n  # P(fewer than k + 1 values below the median)
        if tail > (1 - level) / 2:
            break
        k += 1
    return (values[k - 1], values[n - k]) if k else None


def spread(values):
    """median, range, interquartile range and the median's 95% confidence
    interval (median_ci) of per-round figures, or None without any."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    q1, _, q3 = statistics.quantiles(values, n=4, method='inclusive') \
        if len(values) > 1 else (values[0],) * 3
    return {'median': statistics.median(values), 'low': values[0], 'high': values[-1],
            'q1': q1, 'q3': q3, 'ci95': median_ci(values), 'rounds': len(values)}
