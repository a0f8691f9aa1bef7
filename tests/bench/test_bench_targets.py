"""The benchmark's targets report (bench/runner/targets.py): ratios per
repeat pair, "met" / "missed by N%", and a "no figure" row for what did not
run, from a small synthetic results record (no benchmark runs here)."""
import os
from dataclasses import asdict

import pytest

import bench_support  # noqa: F401 (puts bench/ on sys.path)
from runner import markdown, ratios, targets  # noqa: E402
from runner.results import Results  # noqa: E402
from runner.scenarios import HTTP_VARIANTS, Scenario  # noqa: E402

PINGPONG = Scenario('pingpong', 'tcp', 1024, 10)
STREAM = Scenario('stream', 'tcp', 65536, 10)
HELLO = Scenario('http', 'tcp', 1, 50)
PROXY = Scenario('pingpong', 'tcp', 1024, 10, 'proxy')


def result(scenario, system, runs, status='ok', reason=None):
    return {'scenario': asdict(scenario), 'system': system, 'status': status, 'reason': reason,
            'runs': runs}


def pingpong_run(user_s, requests=100_000):
    """A pingpong run whose server used ``user_s`` of user CPU."""
    return {'rps': requests / 0.4, 'requests': requests, 'server_user_s': user_s,
            'server_sys_s': 0.2, 'cpu_us': (user_s + 0.2) * 1e6 / requests}


def wrk_run(rps, user_s, p99_us, client_cpu_s=None):
    run = {'rps': rps, 'requests': int(rps), 'p99_us': p99_us, 'server_user_s': user_s,
           'server_sys_s': 0.1, 'cpu_us': 1.0, 'duration_s': 1}
    if client_cpu_s is not None:
        run['client_cpu_s'] = client_cpu_s
    return run


def record():
    """pyuvnet at 0.4, 0.5 and 0.6 s of user CPU against uvloop's 1.0 s, in
    three repeats; libuv at 0.2 s; node did not run; an HTTP hello cell."""
    return {'pyuvnet_echo': 'callback', 'results': [
        result(PINGPONG, 'pyuvnet', [pingpong_run(0.4), pingpong_run(0.6), pingpong_run(0.5)]),
        result(PINGPONG, 'uvloop-protocol', [pingpong_run(1.0)] * 3),
        result(PINGPONG, 'libuv', [pingpong_run(0.2)] * 3),
        result(STREAM, 'pyuvnet', [{'mib_s': 900.0, 'bytes': 1 << 30, 'size': 65536}]),
        result(STREAM, 'libuv', [{'mib_s': 1000.0, 'bytes': 1 << 30, 'size': 65536}]),
        result(HELLO, 'pyuvnet-http-module', [wrk_run(100_000, 0.3, 900.0, 0.98)]),
        result(HELLO, 'uvloop-httptools', [wrk_run(98_000, 0.5, 1000.0, 0.97)]),
        result(HELLO, 'node-http-module', [], 'missing', 'node not found (install Node.js)'),
    ], 'scripts': {
        'conn_instructions': {'tcp': {'rounds': [16_400, 16_500, 16_600]},
                              'messages': {'instr_per_msg': 1900, 'rounds': [2500, 1900, 1890,
                                                                           1910]}},
        'tls': {'repeats': {'pyuvnet': {'cpu_hs': [80.0, 90.0], 'hs': [1000.0, 1100.0]},
                            'uvloop SSL': {'cpu_hs': [100.0, 100.0], 'hs': [900.0, 1000.0]}},
                'missing': {'Node tls': 'node not found (install Node.js)'}},
    }}


def find(rows, *words):
    found = [r for r in rows if all(w in r['target'] for w in words)]
    assert len(found) == 1, [r['target'] for r in found]
    return found[0]


def test_user_cpu_ratio_is_taken_per_repeat_pair_and_met_at_the_median():
    row = find(targets.rows(record()), '1 KiB round trip', 'uvloop-protocol ≤ 0.5×')
    assert row['ratio'] == pytest.approx(0.5)
    assert row['measured'].startswith('0.50× (0.40–0.60)')
    assert row['verdict'] == 'met' and row['met'] is True
    # ... and against the C server in the same run: 0.5 s of user CPU / 0.2 s
    assert row['versus_c'] == '2.50× (2.00–3.00) libuv'


def test_a_missed_target_says_by_how_much_relative_to_the_bound():
    rows = targets.rows(record())
    stream = find(rows, '64 KiB streamed', 'throughput')
    assert stream['ratio'] == pytest.approx(0.9)
    assert stream['verdict'] == 'missed by 5%'          # 0.9 / 0.95 = 0.947
    per_conn = find(rows, 'per TCP connection (conn_instructions.py)')
    assert per_conn['verdict'] == 'missed by 10%'       # 16,500 / 15,000
    assert per_conn['measured'].startswith('16,500 per connection (16,400–16,600, 3 rounds)')
    per_msg = find(rows, 'per 1 KiB message (conn_instructions.py')  # the last three rounds
    assert per_msg['verdict'] == 'met' and '(1,890–1,910, 3 rounds)' in per_msg['measured']


def test_issue_45_holds_the_callback_server_to_its_bounds_and_the_idiom_to_its_own():
    full = record()
    full['results'].append(result(PINGPONG, 'pyuvnet-idiom', [pingpong_run(0.3)] * 3))
    full['scripts']['conn_instructions_idiom'] = {
        'tcp': {'rounds': [9_000, 9_100]}, 'messages': {'rounds': [700, 610, 600, 620]}}
    full['scripts']['conn_instructions_uvloop'] = {
        'tcp': {'rounds': [33_000, 33_000, 33_000]},
        'messages': {'rounds': [4_000, 4_000, 4_000, 4_000]}}
    rows = [r for r in targets.rows(full) if r['issue'] == 45]
    callback = find(rows, '1 KiB round trip', 'pyuvnet / uvloop-protocol ≤ 0.45×')
    assert callback['ratio'] == pytest.approx(0.5) and callback['verdict'] == 'missed by 11%'
    idiom = find(rows, '1 KiB round trip', 'pyuvnet-idiom / uvloop-protocol ≤ 0.4×')
    assert idiom['ratio'] == pytest.approx(0.3) and idiom['verdict'] == 'met'
    assert find(rows, 'pyuvnet-pipe / uvloop-protocol ≤ 0.4×', 'round trip')['verdict'] \
        .startswith('no figure: pyuvnet-pipe did not run')
    # callgrind: each count over uvloop's, round by round (the last three
    # of the per-message rounds)
    per_msg = find(rows, 'per 1 KiB message, pyuvnet (callback) / uvloop-protocol ≤ 0.45×')
    assert per_msg['ratio'] == pytest.approx(0.475) and per_msg['verdict'] == 'missed by 6%'
    assert per_msg['measured'].startswith('0.47× (0.47–0.48); 1,900 (1,890–1,910) against '
                                          '4,000 (4,000–4,000)')
    per_conn = find(rows, 'per TCP connection, pyuvnet (callback) / uvloop-protocol ≤ 0.5×')
    assert per_conn['ratio'] == pytest.approx(0.5) and per_conn['verdict'] == 'met'
    assert find(rows, 'per 1 KiB message, pyuvnet-idiom')['ratio'] == pytest.approx(0.1525)
    assert find(rows, 'per unix connection, pyuvnet (callback)')['verdict'] == \
        'no figure: no unix count'
    assert find(rows, 'per 1 KiB message, pyuvnet-pipe')['verdict'] == \
        'no figure: not run (needs --full --instructions)'


def test_a_record_made_before_the_callback_server_reads_its_pyuvnet_as_the_idiom():
    """Until 2026-11-26 the benchmark's 'pyuvnet' echo server was the idiom
    on('data', sock.write): an old record's figures keep their meaning."""
    old = record()
    del old['pyuvnet_echo']
    rows = targets.rows(old)
    idiom = find(rows, '1 KiB round trip', 'pyuvnet-idiom / uvloop-protocol ≤ 0.4×')
    assert idiom['ratio'] == pytest.approx(0.5)
    assert find(rows, '1 KiB round trip', 'pyuvnet / uvloop-protocol ≤ 0.45×')['verdict'] == \
        'no figure: pyuvnet did not run (tcp pingpong 1 KiB x 10 conns)'
    assert Results.from_json(old).systems(PINGPONG)[0] == 'pyuvnet-idiom'


def test_verdict_wording_for_upper_lower_and_strict_bounds():
    assert ratios.verdict(0.6, 0.5) == 'missed by 20%'
    assert ratios.verdict(0.5, 0.5) == 'met'
    assert ratios.verdict(1.8, 2.0, higher=True) == 'missed by 10%'
    assert ratios.verdict(1.0, 1.0, higher=True, strict=True) == 'missed (level)'
    assert ratios.verdict(0.99, 1.0, strict=True) == 'met'


def test_unequal_repeat_counts_give_the_ratio_of_medians_with_the_widest_range():
    ratio = ratios.ratio_of([2.0, 4.0, 3.0], [1.0, 2.0])
    assert not ratio.paired and ratio.median == pytest.approx(2.0)
    assert (ratio.low, ratio.high) == (pytest.approx(1.0), pytest.approx(4.0))


def test_six_or_more_pairs_give_the_medians_confidence_interval_in_the_text():
    few = ratios.ratio_of([1.0] * 5, [2.0] * 5)
    assert few.ci is None and ratios.ratio_text(few) == '0.50× (0.50–0.50)'
    mine = [0.9, 1.1, 0.8, 1.2, 0.7, 1.0, 1.3, 0.95]
    ratio = ratios.ratio_of(mine, [1.0] * len(mine))
    # 8 pairs: the 95% interval of the median runs from the 1st to the 8th
    # value (P(none of 8 below the median) = 1/256 <= 0.025, 9/256 > 0.025).
    assert ratio.ci == (pytest.approx(0.7), pytest.approx(1.3))
    assert ratios.ratio_text(ratio) == '0.97× (95% CI 0.70–1.30, range 0.70–1.30)'


def test_a_system_that_did_not_run_gives_a_no_figure_row_with_the_reason():
    rows = targets.rows(record())
    node = find(rows, '50 conns, keep-alive', 'server user CPU', 'node-http-module')
    assert node['verdict'] == 'no figure: node-http-module missing: node not found ' \
                              '(install Node.js)'
    assert node['ratio'] is None and node['met'] is None
    tls_node = find(rows, 'TLS handshakes/s', 'Node tls')
    assert tls_node['verdict'] == 'no figure: Node tls: node not found (install Node.js)'
    assert find(rows, 'instructions per MiB echoed')['verdict'] == \
        'no figure: not run (needs --full --instructions)'


def test_a_run_without_the_proxy_cells_says_they_need_full():
    rows = targets.rows(record())
    proxy = find(rows, 'proxy: tcp pingpong', 'the proxy targets')
    assert proxy['verdict'] == 'no figure: not run (needs --full)'
    assert not [r for r in rows if 'pyuvnet-proxy' in r['target']]


def test_a_proxy_that_did_not_run_in_a_full_run_gives_its_reason():
    full = record()
    full['results'].append(result(PROXY, 'libuv-proxy', [pingpong_run(0.2)] * 3))
    rows = targets.rows(full)
    proxy = find(rows, 'pingpong', 'pyuvnet-proxy / node-proxy')
    assert proxy['verdict'].startswith('no figure: pyuvnet-proxy did not run')


def test_tls_rows_compare_per_repeat_and_handshakes_must_be_strictly_ahead():
    rows = targets.rows(record())
    cpu = find(rows, 'TLS handshake: server CPU')
    assert cpu['measured'].startswith('0.85× (0.80–0.90)') and cpu['verdict'] == 'met'
    rate = find(rows, 'TLS handshakes/s', 'uvloop SSL')
    assert rate['ratio'] == pytest.approx((1000 / 900 + 1.1) / 2) and rate['verdict'] == 'met'


def test_http_rows_give_cpu_rate_and_p99_and_say_when_wrk_was_the_bound():
    rows = targets.rows(record())
    cpu = find(rows, '50 conns, keep-alive', 'server user CPU', 'uvloop-httptools')
    assert cpu['ratio'] == pytest.approx(0.3 / 0.5 * 98_000 / 100_000)
    assert cpu['verdict'] == 'met'
    rate = find(rows, '50 conns, keep-alive', 'req/s', 'uvloop-httptools')
    assert rate['verdict'] == 'met'
    assert rate['measured'].endswith(
        '; wrk was the bound (its one thread at 97% CPU; its CPU per request 9.8 µs against '
        'pyuvnet-http-module, 9.9 µs against uvloop-httptools)')
    p99 = find(rows, '50 conns, keep-alive', 'p99', 'uvloop-httptools')
    assert p99['ratio'] == pytest.approx(0.9) and p99['verdict'] == 'met'


def rates_with_client_cpu(mine, theirs, scenario=HELLO):
    """The req/s row of ``scenario`` against uvloop+httptools when its
    client used ``mine`` and ``theirs`` CPU seconds over its 1 s runs of
    100,000 and 110,000 requests."""
    data = record()
    data['results'] = [row for row in data['results'] if row['system'] != 'pyuvnet-http-module']
    for system in ('pyuvnet-http-module', 'uvloop-httptools'):
        ours = system == 'pyuvnet-http-module'
        data['results'].append(result(scenario, system, [wrk_run(
            100_000 if ours else 110_000, 0.3, 900.0, mine if ours else theirs)]))
    name = f'{scenario.conns} conns, {HTTP_VARIANTS[scenario.variant]}'
    return find(targets.rows(data), name, 'req/s', 'uvloop-httptools')


def test_a_rate_behind_with_wrk_saturated_gives_wrk_cpu_per_request_against_each():
    rate = rates_with_client_cpu(1.0, 0.99)
    assert rate['verdict'] == 'missed by 9%'
    assert rate['measured'].endswith(
        '; wrk was the bound (its one thread at 99% CPU; its CPU per request 10.0 µs against '
        'pyuvnet-http-module, 9.0 µs against uvloop-httptools)')


def test_a_pipelined_rate_bound_by_the_load_generator_names_it():
    rate = rates_with_client_cpu(0.95, 0.99, Scenario('http', 'tcp', 1, 500, 'pipeline'))
    assert rate['measured'].endswith(
        '; loadgen was the bound (its one thread at 95% CPU; its CPU per request 9.5 µs '
        'against pyuvnet-http-module, 9.0 µs against uvloop-httptools)')


def test_a_record_saved_before_client_cpu_s_still_gets_its_wrk_note():
    data = record()
    for row in data['results']:
        for run in row['runs']:
            if 'client_cpu_s' in run:
                run['wrk_cpu_s'] = run.pop('client_cpu_s')
    rate = find(targets.rows(data), '50 conns, keep-alive', 'req/s', 'uvloop-httptools')
    assert '; wrk was the bound (its one thread at 97% CPU' in rate['measured']


def test_a_rate_behind_with_wrk_not_saturated_has_no_wrk_note():
    rate = rates_with_client_cpu(1.0, 0.7)
    assert 'wrk' not in rate['measured']


def test_without_wrk_cpu_a_level_rate_is_marked_as_one_wrk_core():
    data = record()
    for row in data['results']:
        for run in row['runs']:
            run.pop('client_cpu_s', None)
    rate = find(targets.rows(data), '50 conns, keep-alive', 'req/s', 'uvloop-httptools')
    assert rate['measured'].endswith('; wrk on one core (its CPU not recorded)')


def test_the_targets_go_to_a_page_per_issue_and_the_tables_give_ratios_to_pyuvnet(tmp_path):
    data = {**record(), 'date': 'd', 'host': 'h', 'cpu': 'c', 'cpus': 2, 'kernel': 'k',
            'pinning': 'pinned', 'elapsed_s': 1.0,
            'settings': {'repeats': 3, 'seconds': 0.4, 'warmup': 0.1}}
    text = markdown.render(data)
    assert 'verdict' not in text
    assert text.index('### Echo: small messages') < text.index('### Streaming') < \
        text.index('### HTTP hello')
    # uvloop's round trips: 100,000 over 0.4 s as pyuvnet's; its CPU 1.2 against 0.7 µs
    assert '| uvloop-protocol | 250,000 (250,000–250,000) | 1.00× | – | 12.0 (12.0–12.0) | ' \
        '1.71× |' in text
    page = markdown.targets_page(data, 25)
    assert '| 1 KiB round trip, 10 conns: server user CPU per round trip, pyuvnet / ' \
           'uvloop-protocol ≤ 0.5× | 0.50× (0.40–0.60); pyuvnet 5.00 µs, uvloop-protocol ' \
           '10.00 µs | 2.50× (2.00–3.00) libuv | met |' in page
    assert '≤ 0.45×' not in page
    assert '≤ 0.45×' in markdown.targets_page(data, 45)
    target_file = tmp_path / 'issue-45.md'
    markdown.write_into(target_file, markdown.targets_page(data, 45))
    assert '≤ 0.45×' in target_file.read_text() and markdown.BEGIN in target_file.read_text()


def test_the_cells_whose_user_cpu_a_target_reads_run_for_user_cpu_seconds(monkeypatch):
    """/proc counts CPU in 10 ms ticks: an echo server's user time over a
    0.4 s run was 0 to 7 of them, so those cells run longer; the others
    keep --seconds, and the markdown says which ran how long."""
    from types import SimpleNamespace
    from runner import load, runner
    calls = []
    monkeypatch.setattr(load, 'run', lambda loadgen, target, scenario, seconds, warmup, cpu,
                        server_pid=None: calls.append((scenario, seconds, warmup)))
    bench = SimpleNamespace(settings=SimpleNamespace(seconds=0.4, warmup=0.1,
                                                    user_cpu_seconds=3.0),
                            loadgen='lg', plan=SimpleNamespace(client=1))
    other = Scenario('pingpong', 'tcp', 64, 100)
    for scenario in (PINGPONG, STREAM, other, *targets.PROXIES):
        runner.Bench.measure_load(bench, SimpleNamespace(pid=7), 'target', scenario)
    assert calls == [(PINGPONG, 3.0, 0.1), (STREAM, 3.0, 0.1), (other, 0.4, 0.1),
                     *((sc, 3.0, 0.1) for sc in targets.PROXIES)]
    assert {scenario for scenario, _, _ in targets.ECHO_CPU} <= targets.USER_CPU_SCENARIOS
    data = {**record(), 'date': 'd', 'host': 'h', 'cpu': 'c', 'cpus': 2, 'kernel': 'k',
            'pinning': 'pinned', 'elapsed_s': 1.0,
            'settings': {'repeats': 3, 'seconds': 0.4, 'warmup': 0.1, 'user_cpu_seconds': 3.0}}
    assert ("3 runs of 0.4 s per cell (3 s for the targets' user-CPU cells) after 0.1 s "
            'warm-up') in markdown.render(data)


def test_every_http_cell_runs_for_user_cpu_seconds_under_its_client(monkeypatch):
    """Each HTTP cell's server user CPU is read by a target: a run of
    --seconds (0.4, so wrk's least, 1 s) gave it too few ticks. The
    pipelined cell is the load generator's, the others wrk's."""
    from types import SimpleNamespace
    from runner import http, load, runner
    calls = []
    monkeypatch.setattr(http, 'run', lambda port, conns, seconds, cpu, variant='',
                        server_pid=None: calls.append(('wrk', port, conns, seconds, variant,
                                                       server_pid)))
    monkeypatch.setattr(load, 'run', lambda loadgen, target, scenario, seconds, warmup, cpu,
                        server_pid=None: calls.append((loadgen, target, scenario.conns, seconds,
                                                       scenario.variant, server_pid)))
    bench = SimpleNamespace(settings=SimpleNamespace(seconds=0.4), plan=SimpleNamespace(client=1),
                            loadgen='lg')
    server = SimpleNamespace(ready_line='4000', pid=7)
    for variant in ('', 'post', 'pipeline'):
        runner.Bench.measure_http(bench, server, 'target', Scenario('http', 'tcp', 1, 500, variant))
    bench.settings.seconds = 5.0
    runner.Bench.measure_http(bench, server, 'target', HELLO)
    assert calls == [('wrk', '4000', 500, 3.0, '', 7), ('wrk', '4000', 500, 3.0, 'post', 7),
                     ('lg', '127.0.0.1:4000', 500, 3.0, 'pipeline', 7),
                     ('wrk', '4000', 50, 5.0, '', 7)]


def test_full_runs_tls_bench_and_instructions_add_the_callgrind_scripts():
    from runner import scripts
    assert scripts.steps(False, True, 3) == []
    assert [key for key, _, _ in scripts.steps(True, False, 3)] == ['tls', 'ws', 'dns', 'latency']
    full = {key: argv for key, argv, _ in scripts.steps(True, True, 5)}
    assert list(full) == ['tls', 'ws', 'dns', 'latency', 'conn_instructions',
                          'conn_instructions_idiom',
                          'conn_instructions_pipe', 'conn_instructions_uvloop',
                          'http_instructions_pipeline1',
                          'http_instructions_pipeline16', 'http_instructions_close',
                          'proxy_instructions', 'tls_instructions', 'ws_instructions']
    assert full['tls'][-2:] == ['--repeats', '5'] and '--messages' in full['conn_instructions']
    assert full['ws'][:3] == ['ws_bench.py', '--repeats', '5']
    assert full['dns'] == ['dns_resolve.py', '--repeats', '5']
    assert full['latency'] == ['latency.py', '--repeats', '5']
    assert full['ws_instructions'][:2] == ['ws_bench.py', '--instructions']
    # the headline server's count (a Python callback), the idiom's, pipe()'s
    # and uvloop's, each cell the targets of issue 45 name
    assert full['conn_instructions'][1:3] == ['--server', 'callback']
    assert full['conn_instructions_idiom'][1:3] == ['--server', 'idiom']
    assert full['conn_instructions_uvloop'][1:3] == ['--server', 'uvloop']
    assert full['conn_instructions'][-2:] == full['conn_instructions_uvloop'][-2:] == \
        ['--stream', '3']
    assert 'tcp,unix' in full['conn_instructions_uvloop']
    assert full['http_instructions_pipeline16'][-2:] == ['--pipeline', '16']
    assert '--close' in full['http_instructions_close']
    # a "before" run (--pyuvnet-tree) counts the instructions of that tree's pyuvnet
    before = {key: argv for key, argv, _ in scripts.steps(True, True, 3, '/tmp/old')}
    assert before['conn_instructions'][-2:] == before['http_instructions_pipeline1'][-2:] == \
        before['proxy_instructions'][-2:] == ['--checkout', '/tmp/old']


STEP = '''
import json, os, subprocess, sys, time
child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])
open(os.path.join(os.path.dirname(__file__), 'child.pid'), 'w').write(str(child.pid))
if sys.argv[1] == 'hang':
    time.sleep(60)
json.dump({'figure': 1}, open(sys.argv[-1], 'w'))
'''


@pytest.mark.parametrize('mode', ['hang', 'done'])
def test_a_script_step_gives_its_json_or_why_and_leaves_no_process(tmp_path, monkeypatch, mode):
    """A step past its time limit is stopped with every process it started;
    one that finishes gives the figures it wrote with --json (and the
    process it left behind is stopped too)."""
    from runner import scripts
    from runner.procs import alive
    (tmp_path / 'step.py').write_text(STEP)
    monkeypatch.setattr(scripts.build, 'bench_dir', lambda: tmp_path)
    figures = scripts.run_step(['step.py', mode], 1 if mode == 'hang' else 30, dict(os.environ))
    expected = {'failed': 'step.py still running after 1 s: stopped'} if mode == 'hang' \
        else {'figure': 1}
    assert figures == expected
    assert not alive(int((tmp_path / 'child.pid').read_text()))


def ws_record():
    """ws_bench.py's figures: pyuvnet.ws at 4 and 5 µs per 1 KiB message
    against ws v8's 20 and websockets' 50, and the callgrind counts."""
    data = record()
    data['scripts']['ws'] = {'systems': {
        'pyuvnet.ws': {'1024': {'cpu': [4.0, 5.0], 'rate': [24000.0, 26000.0]}},
        'ws v8 (Node)': {'1024': {'cpu': [20.0, 20.0], 'rate': [16000.0, 16000.0]}},
        'websockets': {'1024': {'cpu': [50.0, 50.0], 'rate': [7000.0, 7000.0]}}},
        'missing': {'uvicorn': 'uvicorn is not installed'}}
    data['scripts']['ws_instructions'] = {'instructions': {
        'pyuvnet.ws': {'rounds': [30000.0, 31000.0, 32000.0]},
        'ws v8 (Node)': {'rounds': [100000.0, 100000.0, 100000.0]}}}
    return data


def test_ws_rows_compare_cpu_rate_and_instructions_with_ws_v8_and_websockets():
    rows = targets.rows(ws_record())
    cpu = find(rows, 'WebSocket 1 KiB echo', 'user CPU', 'ws v8')
    assert cpu['issue'] == 44 and cpu['ratio'] == pytest.approx(0.225) and cpu['verdict'] == 'met'
    rate = find(rows, 'WebSocket 1 KiB echo', 'messages/s')
    assert rate['ratio'] == pytest.approx(1.5625) and rate['verdict'] == 'met'
    assert find(rows, 'user CPU', 'websockets')['ratio'] == pytest.approx(0.09)
    counts = find(rows, 'WebSocket callgrind instructions')
    assert counts['ratio'] == pytest.approx(0.31) and counts['verdict'] == 'met'
    assert 'pyuvnet.ws 31,000' in counts['measured']


def test_ws_rows_without_the_scripts_say_what_they_need():
    rows = targets.rows(record())
    assert find(rows, 'WebSocket 1 KiB echo', 'messages/s')['verdict'] == \
        'no figure: not run (needs --full)'
    assert find(rows, 'WebSocket callgrind instructions')['verdict'] == \
        'no figure: not run (needs --full --instructions)'


def test_the_default_run_shortens_the_targets_cells_and_says_so(monkeypatch):
    """Issue 57: the default run (no --verdicts, no --full) prints no
    targets, so their cells (three quarters of its echo time at 3 s) run
    1.5 s, long enough for the summary's CPU figure; the record says so,
    and the targets read from it say why they have no figure rather than
    a verdict on half the ticks."""
    from types import SimpleNamespace
    from runner import load, runner
    calls = []
    monkeypatch.setattr(load, 'run', lambda loadgen, target, scenario, seconds, warmup, cpu,
                        server_pid=None: calls.append(seconds))
    settings = runner.Settings(seconds=0.4, warmup=0.1, repeats=3, full=False, http=False,
                               instructions=False, only=(), web=True)
    assert settings.user_cpu_seconds == runner.SUMMARY_CPU_SECONDS == 1.5
    assert runner.Settings(**{**settings.__dict__, 'verdicts': True}).user_cpu_seconds == 3.0
    bench = SimpleNamespace(settings=settings, loadgen='lg', plan=SimpleNamespace(client=1))
    for scenario, _, _ in targets.ECHO_CPU:
        runner.Bench.measure_load(bench, SimpleNamespace(pid=7), 'target', scenario)
    assert calls == [1.5] * len(targets.ECHO_CPU)
    data = {**record(), 'settings': {'repeats': 3, 'seconds': 0.4, 'user_cpu_seconds': 1.5}}
    cpu_rows = [r for r in targets.rows(data) if 'server user CPU per round trip' in r['target']
                and r['issue'] in (25, 45)]
    assert cpu_rows and all(r['verdict'] == 'no figure: ' + targets.SHORT_CELLS
                            for r in cpu_rows)
    assert any(r['met'] is not None for r in targets.rows(record()))   # older records: verdicts


def dns_record():
    """dns_resolve.py's figures: pyuvnet.dns at 8, 9 and 10 µs per question
    against Node's 20, 18 and 25 and aiodns's 36 in each run."""
    data = record()
    data['scripts']['dns'] = {'systems': {
        'pyuvnet.dns': {'cpu': [8.0, 9.0, 10.0]},
        'Node dns': {'cpu': [20.0, 18.0, 25.0]},
        'aiodns': {'cpu': [36.0, 36.0, 36.0]}}, 'missing': {}}
    return data


def test_dns_rows_hold_resolve4_to_half_of_node_and_report_aiodns_beside():
    rows = targets.rows(dns_record())
    node = find(rows, 'resolve4', 'Node dns')
    assert node['issue'] == 56 and node['ratio'] == pytest.approx(0.4) and node['verdict'] == 'met'
    assert '(0.40–0.50)' in node['measured']
    beside = find(rows, 'resolve4', 'aiodns')
    assert beside['verdict'] == 'reported' and beside['ratio'] is None
    assert beside['measured'].startswith('0.25×')


def test_dns_rows_without_the_script_or_aiodns_say_why():
    rows = targets.rows(record())
    assert find(rows, 'resolve4', 'Node dns')['verdict'] == 'no figure: not run (needs --full)'
    data = dns_record()
    del data['scripts']['dns']['systems']['aiodns']
    data['scripts']['dns']['missing'] = {'aiodns': 'aiodns is not installed'}
    assert find(targets.rows(data), 'resolve4', 'aiodns')['verdict'] == \
        'no figure: aiodns is not installed'
