"""bench/latency.py's method: every server's short windows pooled into one
latency histogram, and the ratio of two servers' pooled p99 with a 95%
interval from a bootstrap that draws whole rotations (the same ones for
every server), so a slow spell of the machine moves both sides of the
ratio together. Synthetic histograms only: no load runs here."""
import pytest

from bench_support import latency_window as window  # (puts bench/ on sys.path)
from runner import latency_pool  # noqa: E402


def test_one_window_alone_gives_its_own_percentiles_by_the_load_generators_ranks():
    assert latency_pool.summary([window(100, 900, 5000)]) == {
        'requests': 1000, 'p50_us': 100.0, 'p99_us': 900.0, 'p999_us': 5000.0}
    # rank ceil(p * n): of 1,000, p99 is the 990th (the last at 900 µs), p99.9 the 999th
    hist = {1000: 989, 2000: 1, 3000: 9, 4000: 1}
    assert latency_pool.percentile_us(hist, 0.99) == 2.0
    assert latency_pool.percentile_us(hist, 0.999) == 3.0
    assert latency_pool.percentile_us({}, 0.99) is None


def test_pooling_counts_every_request_once_so_a_busier_window_weighs_more():
    quiet, busy = window(100, 200, 300), window(100, 2000, 3000, scale=9)
    assert latency_pool.pooled([quiet, busy]) == {100_000: 9000, 200_000: 90, 300_000: 10,
                                                  2_000_000: 810, 3_000_000: 90}
    found = latency_pool.summary([quiet, busy])
    # the 9,900th of 10,000 falls among the busy window's 810 at 2 ms: not a
    # median of the two windows' p99s
    assert found == {'requests': 10_000, 'p50_us': 100.0, 'p99_us': 2000.0, 'p999_us': 3000.0}


def test_a_window_packs_into_steps_and_back():
    hist = [[60_928, 3], [61_952, 40], [64_512, 2], [2_015_232, 1]]
    assert latency_pool.pack(hist) == [60_928, 3, 1024, 40, 2560, 2, 1_950_720, 1]
    assert latency_pool.unpack(latency_pool.pack(hist)) == hist
    assert latency_pool.unpack([]) == []


# The machine's speed in each rotation: a factor from 1 to 20 on every
# server's latency alike (bench/targets/issue-43.md's slow spells).
PHASES = [1, 20, 3, 1, 8, 2, 15, 1, 4, 6, 1, 12]


def test_the_paired_bootstrap_is_not_moved_by_spells_that_slow_every_server_alike():
    by_server = {'mine': [window(50 * f, 250 * f, 400 * f) for f in PHASES],
                 'other': [window(100 * f, 500 * f, 800 * f) for f in PHASES]}
    found = latency_pool.ratio(by_server, 'mine', ['other'])
    assert found['ratio'] == pytest.approx(0.5) and found['best'] == 'other'
    assert found['rotations'] == len(PHASES)
    # every resample pools the same rotations of both: always half
    assert found['ci95'] == pytest.approx((0.5, 0.5))


def test_the_same_server_with_its_spells_in_other_rotations_is_undecided():
    """Equal servers whose slow windows fell in different rotations: the
    interval spans 1x, where one window each would have given a verdict."""
    turned = PHASES[6:] + PHASES[:6]
    by_server = {'mine': [window(100 * f, 500 * f, 800 * f) for f in PHASES],
                 'other': [window(100 * f, 500 * f, 800 * f) for f in turned]}
    found = latency_pool.ratio(by_server, 'mine', ['other'])
    assert found['ratio'] == pytest.approx(1.0)
    low, high = found['ci95']
    assert low < 1 < high and high / low > 1.5


def test_the_ratio_is_over_the_lowest_other_server_and_fixed_by_its_seed():
    by_server = {'mine': [window(100, 300 + 10 * i, 400) for i in range(8)],
                 'slow': [window(100, 900, 1000)] * 8,
                 'fast': [window(100, 600, 700)] * 8}
    found = latency_pool.ratio(by_server, 'mine', ['slow', 'fast'])
    # pooled: mine's 7,920th of 8,000 is the last of its p99 figures, 370 µs
    assert found['best'] == 'fast' and found['best_us'] == 600.0
    assert found['mine_us'] == 370.0 and found['ratio'] == pytest.approx(370 / 600)
    assert latency_pool.ratio(by_server, 'mine', ['slow', 'fast']) == found
    low, high = found['ci95']
    assert 300 / 600 <= low <= found['ratio'] <= high <= 370 / 600


def test_rotations_must_pair_up_and_a_missing_figure_gives_none():
    with pytest.raises(ValueError, match='one window per rotation'):
        latency_pool.ratio({'mine': [window(1, 2, 3)] * 3, 'other': [window(1, 2, 3)] * 2},
                           'mine', ['other'])
    assert latency_pool.ratio({'mine': [[]] * 3, 'other': [window(1, 2, 3)] * 3},
                              'mine', ['other']) is None
    one = latency_pool.ratio({'mine': [window(1, 2, 3)], 'other': [window(1, 4, 5)]},
                             'mine', ['other'])
    assert one['ratio'] == 0.5 and one['ci95'] is None
