"""The summary that ends `make bench` (bench/runner/summary.py), rendered
from recorded runs: per workload pyuvnet's figure, each peer's, and the
ratio in words; the failed cells named with their reason; nothing for the
cells a run did not ask for."""
import json
import re

import pytest

from bench_support import ROOT  # (puts bench/ on sys.path)
from runner import summary  # noqa: E402
from runner.results import Results  # noqa: E402
from runner.scenarios import HTTP, Scenario  # noqa: E402

RESULTS = ROOT / 'bench' / 'results'
WEB_RUN = RESULTS / '2026-11-26-web-4.json'
META = {'date': '2026-11-27 10:00:00 +0000', 'host': 'vm', 'cpus': 2,
        'settings': {'repeats': 3, 'seconds': 0.4, 'warmup': 0.1}}


def recorded(path):
    if not path.exists():
        pytest.skip(f'needs the recorded run {path.name} (a checkout)')
    record = json.loads(path.read_text())
    return Results.from_json(record), record


def test_a_recorded_web_run_reads_as_ratios_in_words():
    results, record = recorded(WEB_RUN)
    text = summary.render(results, record)
    lines = text.splitlines()
    hello = lines.index('tcp HTTP hello (wrk) x 50 conns, keep-alive')
    assert lines[hello + 1].split() == ['req/s', 'CPU', 'us/op']
    # pyuvnet's servers first, with their figures and no ratio of their own
    assert lines[hello + 2].split() == ['pyuvnet-asgi', '47,635', '20.8']
    assert lines[hello + 3].split() == ['pyuvnet-wsgi', '53,360', '18.5']
    assert lines[hello + 4].endswith(
        "uvicorn-asgi    12,051       82.8  "
        "pyuvnet-asgi: 4.0x uvicorn-asgi's req/s at 0.25x its CPU")
    # each WSGI server against pyuvnet's WSGI server
    assert any(line.startswith('  fastpysgi-wsgi') and
               line.endswith("pyuvnet-wsgi: 1.3x fastpysgi-wsgi's req/s at 0.74x its CPU")
               for line in lines[hello:hello + 9])
    # the WSGI servers serve no FastAPI endpoint: not asked, not said
    assert 'does not serve' not in text and 'not run here' not in text
    assert 'no figure' not in text and 'missed by' not in text


def test_the_pyuvnet_server_a_peer_is_compared_with_is_of_its_kind():
    ours = ['pyuvnet', 'pyuvnet-asgi', 'pyuvnet-wsgi', 'pyuvnet-http-module', 'pyuvnet-proxy']
    assert summary.counterpart('uvicorn-asgi', ours) == 'pyuvnet-asgi'
    assert summary.counterpart('granian-rsgi', ours) == 'pyuvnet-asgi'
    assert summary.counterpart('fastpysgi-wsgi', ours) == 'pyuvnet-wsgi'
    assert summary.counterpart('node-http-module', ours) == 'pyuvnet-http-module'
    assert summary.counterpart('node-proxy', ours) == 'pyuvnet-proxy'
    assert summary.counterpart('uvloop-protocol', ours) == 'pyuvnet'
    assert summary.counterpart('libuv', ours) == 'pyuvnet'
    assert summary.counterpart('libuv', ['pyuvnet-asgi']) is None


def run(rps, cpu_us):
    return {'rps': rps, 'cpu_us': cpu_us, 'requests': int(rps)}


def test_failed_cells_are_named_with_their_reason_and_left_out_of_the_tables():
    results = Results()
    pingpong = Scenario('pingpong', size=1024, conns=10)
    for _ in range(3):
        results.add(pingpong, 'pyuvnet', run(9000.0, 16.0))
        results.add(pingpong, 'node', run(3000.0, 48.0))
        results.add(HTTP, 'pyuvnet-asgi', run(48000.0, 20.0))
    results.fail(pingpong, 'libuv', 'nothing completed in the measured window (tried twice)')
    results.missing(HTTP, 'granian-asgi', 'granian is not installed (pip install granian)')
    results.missing(HTTP, 'fastpysgi-wsgi', 'fastpysgi-wsgi does not serve it')
    results.add(Scenario('http', conns=50, variant='fastapi'), 'fastpysgi-wsgi', run(1.0, 1.0))
    text = summary.render(results, META)
    assert "pyuvnet: 3.0x node's req/s at 0.33x its CPU" in text
    assert text.splitlines()[-5:] == [
        'failed (each tried twice; the table above leaves them out):',
        '  libuv, tcp pingpong 1 KiB x 10 conns: nothing completed in the measured window '
        '(tried twice)',
        '',
        'not run here:',
        '  granian-asgi: granian is not installed (pip install granian)',
    ]
    assert '  libuv ' not in text.split('failed')[0]
    assert 'fastpysgi-wsgi does not serve it' not in text


def test_a_workload_without_a_pyuvnet_figure_has_no_table():
    results = Results()
    pingpong = Scenario('pingpong', size=1024, conns=10)
    results.add(pingpong, 'node', run(3000.0, 48.0))
    results.fail(pingpong, 'pyuvnet', 'the server exited with status 1')
    text = summary.render(results, META)
    assert pingpong.title + '\n' not in text
    assert '  pyuvnet, tcp pingpong 1 KiB x 10 conns: the server exited with status 1' in text


def test_a_peer_without_a_cpu_figure_gets_the_rate_ratio_alone():
    results = Results()
    stream = Scenario('stream', size=64 * 1024, conns=10)
    results.add(stream, 'pyuvnet', {'mib_s': 300.0, 'cpu_us': 36.0})
    results.add(stream, 'node', {'mib_s': 150.0})
    text = summary.render(results, META)
    assert "pyuvnet: 2.0x node's MiB/s\n" in text + '\n'
    # the '-' in node's CPU column is said once, with how to get the figure
    assert text.splitlines()[-1] == ("CPU '-': the server used under 0.1 s of CPU in a measured "
                                     "window, too little to divide; longer runs "
                                     "(BENCH_ARGS='--seconds 2') give it")
    assert text.count("CPU '-'") == 1


def test_the_default_run_has_the_web_servers_and_no_verdicts():
    from runner.__main__ import parse_args
    settings = parse_args([])
    assert settings.web and not settings.asgi and not settings.verdicts
    assert not parse_args(['--no-web']).web
    assert parse_args(['--verdicts']).verdicts


class FakeServer:
    pid = -1

    def check(self):
        pass


def test_a_failed_run_is_tried_once_more_before_the_cell_fails():
    from runner import load, runner
    bench = runner.Bench.__new__(runner.Bench)
    bench.results, bench.live, bench.log = Results(), {}, lambda message: None
    pingpong = Scenario('pingpong', size=1024, conns=10)
    outcomes = [load.RunError('a hiccup'), {'rps': 5000.0}]

    def measure():
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
    assert bench.attempt(pingpong, 'pyuvnet', FakeServer(), measure) == '5,000'
    assert bench.results.cell(pingpong, 'pyuvnet').status == 'ok'

    def fails():
        raise load.RunError('nothing completed in the measured window')
    assert bench.attempt(pingpong, 'node', FakeServer(), fails) == 'error'
    assert bench.results.cell(pingpong, 'node').error == \
        'nothing completed in the measured window (tried twice)'


def test_results_md_opens_with_the_headline_of_the_run_it_names():
    """bench/RESULTS.md's first section is `make bench`'s headline, drawn
    from the record it names, exactly as the summary prints it."""
    from runner import headline_table
    text = (ROOT / 'bench' / 'RESULTS.md').read_text()
    first = text.split('\n## ')[1]
    assert first.startswith("The headline: `make bench`'s first screen")
    name = re.search(r'\(results/(\d{4}-\d\d-\d\d-headline(?:-[a-z]+)?\.json)\)', first).group(1)
    record = json.loads((RESULTS / name).read_text())
    block = first.split('```text\n')[1].split('\n```')[0]
    assert block.splitlines() == headline_table.render(record['headline'], record)


def test_results_md_then_has_the_comparison_from_the_recorded_runs():
    """bench/RESULTS.md's second section is the three tables a newcomer
    asks for, and its web servers' figures are those of the run it names."""
    text = (ROOT / 'bench' / 'RESULTS.md').read_text()
    sections = [line for line in text.splitlines() if line.startswith('## ')]
    assert sections[1] == '## pyuvnet against what you would use instead'
    opening = text.split('\n## ')[2]
    assert [line for line in opening.splitlines() if line.startswith('### ')] == [
        '### Python web servers (ASGI, WSGI, FastAPI)', '### Node 20', '### asyncio and uvloop']
    results, _ = recorded(WEB_RUN)
    assert 'results/2026-11-26-web-4.json' in opening
    rows = {line.split(' | ')[0].strip('| *'): line for line in opening.splitlines()
            if line.startswith('| ')}
    for label, system in (('pyuvnet.asgi', 'pyuvnet-asgi'), ('uvicorn (uvloop, httptools)',
                                                            'uvicorn-asgi'),
                          ('granian, ASGI', 'granian-asgi'), ('fastpysgi, WSGI', 'fastpysgi-wsgi')):
        cell = results.cells[(HTTP, system)]
        assert f"{cell.median('rps'):,.0f}" in rows[label], label
        assert f"{cell.median('cpu_us'):.1f}" in rows[label], label
