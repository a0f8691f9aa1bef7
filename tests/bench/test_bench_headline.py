"""The headline that opens `make bench`'s summary (bench/runner/headline.py
and headline_table.py), drawn from made-up records: each kind of user's
servers with the median, the spread of the repeats, the CPU per request
and pyuvnet's ratio in both views; the issue's targets met or missed; the
cells without figures named with their reason; h2load's output read
strictly; the command line's --headline-only."""
import pytest

from bench_support import ROOT  # noqa: F401 (puts bench/ on sys.path)
from runner import headline, headline_table, load, summary  # noqa: E402
from runner.headline import Entrant, Kind  # noqa: E402
from runner.results import Results  # noqa: E402
from runner.scenarios import HTTP  # noqa: E402

KINDS = (
    Kind('fastapi', 'FastAPI JSON app: GET /json', 'wrk', (
        Entrant('pyuvnet serve', list),
        Entrant('pyuvnet serve --workers 2', list, views=('shipped',)),
        Entrant('uvicorn', list, 'pyuvnet serve'),
        Entrant('granian', list, 'pyuvnet serve'),
    )),
    Kind('flask', 'Flask JSON app (WSGI): GET /json', 'wrk', (
        Entrant('pyuvnet serve', list),
        Entrant('gunicorn gthread', list, 'pyuvnet serve'),
    )),
)
VIEWS = {'pinned': {'title': 'one core each', 'note': 'server CPU 1, load CPU 0'},
         'shipped': {'title': 'the machine as shipped', 'note': 'nothing pinned'}}


def runs(*rates, cpu=50.0):
    return {'runs': [{'rps': rate, 'cpu_us': cpu} for rate in rates]}


def record(pinned, shipped):
    return {'seconds': 2.0, 'repeats': 3, 'loadavg_before': (0.5, 0.4, 0.3),
            'loadavg_after': (1.25, 0.5, 0.3), 'views': VIEWS,
            'cells': {'pinned': pinned, 'shipped': shipped}}


def row(lines, kind_title, name):
    start = lines.index(kind_title)
    return next(line for line in lines[start:] if line.startswith('  ' + name + '  '))


def sample():
    pinned = {'fastapi': {'pyuvnet serve': runs(9000.0, 10000.0, 11000.0, cpu=95.0),
                          'uvicorn': runs(4000.0, 5000.0, 4500.0, cpu=210.0),
                          'granian': runs(6000.0, 6200.0, 5800.0)},
              'flask': {'pyuvnet serve': runs(8000.0, 8000.0, 8000.0),
                        'gunicorn gthread': runs(7000.0, 7000.0, 7000.0)}}
    shipped = {'fastapi': {'pyuvnet serve': runs(10000.0, 10000.0, 10000.0),
                           'pyuvnet serve --workers 2': runs(17000.0, 18000.0, 19000.0),
                           'uvicorn': runs(5000.0, 5000.0, 5000.0),
                           'granian': {'missing': 'granian is not installed (pip install granian)'}},
               'flask': {'pyuvnet serve': runs(8000.0, 8000.0, 8000.0),
                         'gunicorn gthread': {'error': 'wrk: Socket errors: connect 0, read 3'}}}
    return record(pinned, shipped)


def test_each_row_has_both_views_median_spread_cpu_and_pyuvnets_ratio():
    lines = headline_table.render(sample(), kinds=KINDS)
    # the median, ± half the min-max range in percent, the CPU per request
    assert row(lines, KINDS[0].title, 'pyuvnet serve').split() == [
        'pyuvnet', 'serve', '10,000', '±10%', '95', '10,000', '±0%', '50']
    # a peer: pyuvnet's req/s over its own, in each view
    assert row(lines, KINDS[0].title, 'uvicorn').split() == [
        'uvicorn', '4,500', '±11%', '210', '2.2x', '5,000', '±0%', '50', '2.0x']
    # one view only: the other's columns are blank, not a figure
    workers = row(lines, KINDS[0].title, 'pyuvnet serve --workers 2')
    assert workers.split() == ['pyuvnet', 'serve', '--workers', '2', '18,000', '±6%', '50']
    assert workers.index('18,000') > row(lines, KINDS[0].title, 'uvicorn').index('2.2x')
    # the views are named over their columns, with how each one is pinned
    assert 'one core each' in lines[4] and 'the machine as shipped' in lines[4]
    assert '(server CPU 1, load CPU 0)' in lines[5]
    assert 'load average 0.50 before, 1.25 after' in lines[1]


def test_a_cell_without_figures_says_so_and_its_reason_is_listed():
    lines = headline_table.render(sample(), kinds=KINDS)
    granian = row(lines, KINDS[0].title, 'granian')
    assert granian.split()[-1] == 'missing' and '1.7x' in granian
    assert row(lines, KINDS[1].title, 'gunicorn gthread').split()[-1] == 'error'
    tail = lines[lines.index('without figures:'):]
    assert tail == ['without figures:',
                    '  fastapi, granian (the machine as shipped): granian is not installed '
                    '(pip install granian)',
                    '  flask, gunicorn gthread (the machine as shipped): wrk: Socket errors: '
                    'connect 0, read 3']


def test_the_targets_read_the_one_core_view_against_the_better_peer():
    lines = headline_table.render(sample(), kinds=KINDS)
    # with the share of its one core each kept busy: req/s x CPU per request
    at = lines.index("  FastAPI JSON app: pyuvnet serve 1.67x granian's req/s at 1.90x its CPU, "
                     "the better of uvicorn and granian (target 1.3x: met)")
    assert lines[at + 1] == '    busy: pyuvnet serve 95% of its core, granian 30%'
    at = lines.index("  Flask JSON app (WSGI): pyuvnet serve 1.14x gunicorn gthread's req/s at "
                     "1.00x its CPU (target 1.3x: MISSED)")
    assert lines[at + 1] == '    busy: pyuvnet serve 40% of its core, gunicorn gthread 35%'


def test_a_target_whose_peer_gave_no_figure_is_not_called_met():
    data = sample()
    data['cells']['pinned']['fastapi']['granian'] = {'error': 'the server exited'}
    lines = headline_table.target_lines(data, KINDS)
    assert '  FastAPI JSON app: not measured (a server gave no figure)' in lines


def test_without_the_one_core_view_the_targets_are_not_measured():
    data = sample()
    del data['cells']['pinned'], data['views']['pinned']
    assert headline_table.target_lines(data, KINDS) == [
        'targets: not measured (one core each needs 2 CPUs and taskset)']


def test_the_summary_opens_with_the_headline_before_the_details():
    meta = {'date': '2026-11-28 20:00:00 +0000', 'host': 'vm', 'cpus': 2,
            'settings': {'repeats': 3}, 'headline': sample()}
    results = Results()
    results.add(HTTP, 'pyuvnet-asgi', {'rps': 48000.0, 'cpu_us': 20.0})
    text = summary.render(results, meta)
    assert text.index('pyuvnet against what you run today: 2026-11-28 20:00:00 +0000, vm '
                      '(2 CPUs)') < text.index('the details: echo, HTTP and web servers')
    assert text.index('the details') < text.index('pyuvnet against the others')
    # a run of the headline alone ends with it
    text = summary.render(Results(), meta)
    assert text.splitlines()[-1].startswith('  flask, gunicorn gthread') \
        and 'the details' not in text


def test_the_one_core_view_puts_the_server_on_the_second_cpu():
    (key, _, plan), (shipped, _, free) = headline.views([0, 1])
    assert (key, plan.server, plan.client) == ('pinned', 1, 0)
    assert (shipped, free.server, free.client) == ('shipped', None, None)
    assert [view[0] for view in headline.views([0])] == ['shipped']


H2LOAD_OK = """finished in 2.00s, 41234.50 req/s, 1.90MB/s
requests: 82469 total, 82869 started, 82469 done, 82469 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 82469 2xx, 0 3xx, 0 4xx, 0 5xx
"""


def test_h2load_output_gives_the_rate_and_the_requests_answered():
    assert headline.parse_h2load(H2LOAD_OK) == (41234.5, 82469)
    # answers to requests sent before the window count in the statuses alone
    assert headline.parse_h2load(H2LOAD_OK.replace('82469 2xx', '82477 2xx')) == (41234.5, 82469)


@pytest.mark.parametrize('broken', [
    H2LOAD_OK.replace('0 failed, 0 errored', '3 failed, 3 errored'),
    H2LOAD_OK.replace('82469 2xx, 0 3xx, 0 4xx', '82400 2xx, 0 3xx, 69 4xx'),
    H2LOAD_OK.replace('0 errored, 0 timeout', '0 errored, 2 timeout'),
    H2LOAD_OK.replace('82469 done, 82469 succeeded', '0 done, 0 succeeded')
             .replace('82469 2xx', '0 2xx'),
    'connect: Connection refused\n',
])
def test_h2load_output_with_a_failed_or_wrong_answer_is_an_error(broken):
    with pytest.raises(load.RunError):
        headline.parse_h2load(broken)


def test_headline_only_runs_nothing_else_and_refuses_other_sections():
    from runner.__main__ import parse_args
    settings = parse_args(['--headline-only', '--headline-seconds', '1'])
    assert settings.headline_only and not settings.web and settings.headline_seconds == 1.0
    assert parse_args([]).headline and not parse_args(['--no-headline']).headline
    # a run of some systems (--only) is about those: no headline
    assert not parse_args(['--only', 'pyuvnet']).headline
    for other in ('--full', '--asgi', '--no-headline'):
        with pytest.raises(SystemExit):
            parse_args(['--headline-only', other])


def test_every_peer_is_compared_with_a_pyuvnet_entrant_of_its_kind():
    for kind in headline.KINDS:
        names = [entrant.name for entrant in kind.entrants]
        assert len(set(names)) == len(names)
        for entrant in kind.entrants:
            assert entrant.versus is None or (entrant.versus in names and
                                              entrant.versus.startswith('pyuvnet'))
    for key, peers, _ in headline.TARGETS:
        kind = next(kind for kind in headline.KINDS if kind.key == key)
        assert set(peers) <= {entrant.name for entrant in kind.entrants}


def test_ws_8_that_npm_cannot_install_is_missing_not_a_crash(monkeypatch):
    import subprocess
    import ws_bench
    from runner.systems import Missing

    def failing():
        raise subprocess.CalledProcessError(1, ['npm', 'install', 'ws@8'])
    monkeypatch.setattr(ws_bench, 'ws_commands', failing)
    command, _ = headline.ws_server('ws v8 (Node)')
    with pytest.raises(Missing, match='ws 8 could not be installed'):
        command()
