"""Issue 45's reports that read stand-alone scripts' figures: latency at
equal load (bench/latency.py's JSON) as RESULTS.md's tables and as the
verdict "pyuvnet's p99 lowest of the Python servers", and the TLS
handshake against OpenSSL's own share of a callgrind dump. Synthetic
figures only: no load runs here."""
import json

import pytest

from bench_support import latency_window  # (puts bench/ on sys.path)
from runner import latency_pool, latency_tables, markdown, targets  # noqa: E402
from runner.__main__ import main  # noqa: E402
from runner.instructions import callgrind_share  # noqa: E402


ROTATIONS = 6


def windows(p50, p99, p999):
    """A server's windows, one per rotation, pooling to these percentiles."""
    return [packed(p50, p99, p999)] * ROTATIONS


def packed(p50, p99, p999):
    """A window as latency.py's JSON holds it."""
    return latency_pool.pack(latency_window(p50, p99, p999))


def latency(echo_p99=None, http_p99=None):
    """latency.py's figures: at each rate, pyuvnet's p99 ``echo_p99`` (100
    and 150 µs by default) against uvloop's 400 and 800 and asyncio's 800
    and 1,600; Node's and the C echo's 50 (not Python: no part of the
    verdict). The HTTP cell alike, without a C server."""
    echo_p99 = echo_p99 or {'0.5': 100, '0.8': 150}
    http_p99 = http_p99 or {'0.5': 300, '0.8': 500}

    def cell(scenario, names, mine_p99):
        return {'scenario': scenario, 'slowest': names[2],
                'saturation': {name: [1000.0 * (i + 1)] * 3 for i, name in enumerate(names)},
                'rates': {'0.5': 1500, '0.8': 2400},
                'windows': {share: {names[0]: windows(20, p99, p99 * 2),
                                    names[1]: windows(30, 400 * (1 + i), 900),
                                    names[2]: windows(40, 800 * (1 + i), 1700),
                                    **{name: windows(10, 50, 60) for name in names[3:]}}
                            for i, (share, p99) in enumerate(mine_p99.items())},
                'orders': {share: [names] * ROTATIONS for share in mine_p99}}
    return {'echo': cell('pingpong 1 KiB x 10 conns (tcp)',
                         ('pyuvnet', 'uvloop-protocol', 'asyncio-protocol', 'node', 'libuv'),
                         echo_p99),
            'http': cell('http hello x 50 conns (tcp)',
                         ('pyuvnet-http-module', 'uvloop-httptools', 'uvicorn-asgi',
                          'node-http-module'), http_p99)}


def find(rows, *words):
    found = [r for r in rows if all(w in r['target'] for w in words)]
    assert len(found) == 1, [r['target'] for r in found]
    return found[0]


def test_the_latency_tables_give_every_servers_pooled_figures_at_both_rates():
    text = latency_tables.section(latency())
    assert text.startswith('**Echo, 1 KiB round trips, 10 connections**')
    assert "the rates are 50% and 80% of asyncio-protocol's" in text
    # uvloop at 80%: 6 windows of 1,000 pooled: p50 30, p99 800, p99.9 900; 800 / 150 = 5.33x
    assert '| uvloop-protocol | 2,400 (80%) | 6,000 | 30 | 800 | 900 | 800 | 0 of 6 | 5.33× |' in text
    assert ('| pyuvnet-http-module | 1,500 (50%) | 6,000 | 20 | 300 | 600 | 300 | 0 of 6 '
            '| 1.00× |') in text
    assert text.count('| node |') == 2 and text.count('| libuv |') == 2
    assert ('- at 80%: pyuvnet / uvloop-protocol (the lowest other Python p99): **0.19×** '
            '(95% CI 0.19–0.19, paired bootstrap over 6 rotations).') in text


def test_the_tables_give_the_median_window_p99_and_the_windows_over_a_millisecond():
    # One rotation in three stalls: pooled, its window decides the p99
    # (2 of 6 windows: a third of the requests at 1,500 and up); a window's
    # own p99 is 100 in four windows of six.
    figures = latency()
    figures['echo']['windows']['0.5']['pyuvnet'] = (
        [packed(20, 100, 200)] * 4 + [packed(1500, 2000, 3000)] * 2)
    text = latency_tables.section(figures)
    assert '| pyuvnet | 1,500 (50%) | 6,000 | 20 | 2,000 | 3,000 | 100 | 2 of 6 | 1.00× |' in text
    assert "| a window's p99, median µs | windows with p99 over 1,000 µs |" in text


def test_pyuvnet_lowest_of_the_python_servers_is_met_whatever_node_and_c_do():
    rows = [r for r in targets.rows({'scripts': {'latency': latency()}}) if 'equal load' in r['target']]
    assert len(rows) == 4 and all(r['issue'] == 45 for r in rows)
    echo80 = find(rows, 'Echo', '80% (2,400 req/s)')
    # against uvloop's pooled p99 (the lowest other Python one)
    assert echo80['ratio'] == pytest.approx(150 / 800)
    assert echo80['verdict'] == 'met'
    assert echo80['measured'] == ('0.19× (95% CI 0.19–0.19, paired bootstrap over 6 rotations); '
                                  'pyuvnet 150 µs, uvloop-protocol 800 µs')


def test_an_interval_that_spans_1x_is_said_so_beside_the_verdict():
    figures = latency()
    echo = figures['echo']['windows']['0.5']
    # slow spells (x1 to x20) in other rotations for each: pooled, pyuvnet's
    # p99 is 0.95x uvloop's, but which rotations a resample draws decides more
    spells = [1, 20, 3, 1, 8, 2]
    echo['uvloop-protocol'] = [packed(30, 400 * f, 900 * f) for f in spells]
    echo['asyncio-protocol'] = [packed(40, 800 * f, 1700 * f) for f in spells]
    echo['pyuvnet'] = [packed(20, 380 * f, 855 * f) for f in spells[3:] + spells[:3]]
    row = find(targets.rows({'scripts': {'latency': figures}}), 'Echo', '50%')
    assert row['verdict'] == 'met' and row['ratio'] == pytest.approx(0.95)
    assert 'the interval spans 1×' in row['measured']


def test_a_higher_p99_than_another_python_server_is_missed():
    rows = targets.rows({'scripts': {'latency': latency(http_p99={'0.5': 300, '0.8': 1200})}})
    http80 = find(rows, 'HTTP hello', '80%')
    assert http80['ratio'] == pytest.approx(1.5) and http80['verdict'] == 'missed by 50%'
    assert find(rows, 'HTTP hello', '50%')['verdict'] == 'met'


def test_without_latency_figures_the_rows_say_how_to_get_them():
    rows = [r for r in targets.rows({}) if 'equal load' in r['target']]
    assert len(rows) == 4
    assert {r['verdict'] for r in rows} == {
        'no figure: not run (needs --full, or --latency FILE with --markdown)'}


def test_a_full_runs_record_holds_the_figures_as_its_latency_step():
    figures = latency()
    assert latency_tables.figures_of({'scripts': {'latency': figures}}) is figures
    assert latency_tables.figures_of({'scripts': {'latency': {'failed': 'why'}}}) is None
    assert latency_tables.figures_of(figures) is figures
    # per-repeat figures (before 2026-11-27 07:00), a method the machine's spells decided
    old = {'echo': {'scenario': 's', 'rates': {}, 'latency': {'0.5': {'pyuvnet': {}}}}}
    assert latency_tables.figures_of(old) is None
    # latency.py's run description is no cell, and heads the section
    run = {'date': 'd', 'host': 'h', 'cpu': 'c', 'cpus': 2, 'kernel': 'k', 'python': '3.11',
           'pinning': 'pinned', 'settings': {'repeats': 3, 'seconds': 2.0, 'warmup': 0.5,
                                             'rotations': 60, 'window': 0.4,
                                             'window_warmup': 0.1}}
    text = latency_tables.section({**figures, 'run': run})
    assert text.startswith('- **Run:** d on h (c, 2 CPUs, Linux k); Python 3.11; saturation: 3 '
                           'closed-loop runs of 2 s per server; latency: 60 rotations, each a '
                           '0.4 s window (after 0.1 s warm-up) of every server at each rate in '
                           'a shuffled order, the percentiles of the windows pooled per '
                           'server; pinned.')
    assert list(latency_tables.cells({**figures, 'run': run})) == ['echo', 'http']


def test_a_gzipped_figure_set_reads_as_the_plain_one(tmp_path, capsys):
    plain, zipped = tmp_path / 'latency.json', tmp_path / 'latency.json.gz'
    latency_tables.save(plain, latency())
    latency_tables.save(zipped, latency())
    assert zipped.read_bytes()[:2] == b'\x1f\x8b'
    assert latency_tables.load(zipped) == latency_tables.load(plain) == json.loads(
        json.dumps(latency()))
    main(['--latency', str(plain)])
    from_plain = capsys.readouterr().out
    main(['--latency', str(zipped)])
    assert capsys.readouterr().out == from_plain and '| pyuvnet |' in from_plain


def test_run_py_writes_the_latency_tables_and_verdicts_between_their_own_markers(tmp_path,
                                                                                capsys):
    figures = tmp_path / 'latency.json'
    figures.write_text(json.dumps(latency()))
    page = tmp_path / 'RESULTS.md'
    page.write_text(f'# top\n{markdown.BEGIN}\nrun tables\n{markdown.END}\n## Latency\n'
                    f'{latency_tables.BEGIN}\nold\n{latency_tables.END}\nafter\n')
    main(['--latency', str(figures), '--into', str(page)])
    text = page.read_text()
    assert 'run tables' in text and 'old' not in text and text.endswith('after\n')
    assert text.index(latency_tables.BEGIN) < text.index('| asyncio-protocol |')
    run = tmp_path / 'run.json'
    run.write_text(json.dumps({'date': 'd', 'host': 'h', 'cpu': 'c', 'cpus': 2, 'kernel': 'k',
                               'pinning': 'pinned', 'elapsed_s': 1.0, 'results': [],
                               'settings': {'repeats': 3, 'seconds': 0.4, 'warmup': 0.1}}))
    capsys.readouterr()
    main(['--markdown', str(run), '--targets', '45', '--latency', str(figures)])
    out = capsys.readouterr().out
    assert out.count('| met |') == 4 and 'p99 at 80% (2,400 req/s)' in out
    with pytest.raises(SystemExit, match='holds no latency figures'):
        main(['--latency', str(run)])
    # a stand-alone script's JSON as the run's step (tls_bench.py --instructions --json)
    tls = tmp_path / 'tls.json'
    tls.write_text(json.dumps(TLS_FIGURES))
    main(['--markdown', str(run), '--targets', '45', '--step', f'tls_instructions={tls}'])
    assert "pyuvnet 1,200,000 = 1.20× OpenSSL's 1,000,000" in capsys.readouterr().out


# A callgrind dump, as --compress-strings=no writes it: the server's code
# (_uv) calls SSL_do_handshake (libssl, 1,000 inclusive), which calls
# libcrypto (600: inside), malloc (50: OpenSSL's, the C library) and a BIO
# write of the server's (120, with its own memcpy: not OpenSSL's); Python
# calls libcrypto directly (300).
def call(callee_object, callee, cost):
    """A call's lines in a callgrind dump: its inclusive ``cost``."""
    return f'cob={callee_object}\ncfn={callee}\ncalls=1 0\n1 {cost}\n'


DUMP = ''.join([
    '# callgrind format\nevents: Ir\nob=/x/_uv.so\nfn=pump\n10 40\n',
    call('/usr/lib/libssl.so.3', 'SSL_do_handshake', 1000),
    'ob=/usr/lib/libssl.so.3\nfn=SSL_do_handshake\n20 230\n',
    call('/usr/lib/libcrypto.so.3', 'EVP_DigestUpdate', 600),
    call('/lib/x86_64-linux-gnu/libc.so.6', 'malloc', 50),
    call('/x/_uv.so', 'bio_write', 120),
    'ob=/usr/lib/libcrypto.so.3\nfn=EVP_DigestUpdate\n30 600\n',
    'ob=/x/_uv.so\nfn=bio_write\n40 120\n',
    # Python's call names no object: the callee's own block says libcrypto
    'ob=/usr/bin/python3.11\nfn=_PyEval_EvalFrameDefault\n50 500\n'
    'cfn=EVP_DigestUpdate\ncalls=1 0\n50 300\ntotals: 2420\n'])


def test_openssls_share_counts_calls_into_it_less_its_callbacks_to_the_server(tmp_path):
    dump = tmp_path / 'callgrind.out.1'
    dump.write_text(DUMP)
    # 1,000 and 300 into OpenSSL, less the 120 of the server's BIO it called
    assert callgrind_share(dump, ('libssl', 'libcrypto')) == 1180
    assert callgrind_share(dump, ('libcrypto',)) == 900


TLS_FIGURES = {'instructions': {
    'pyuvnet': {'handshake': [1_200_000.0, 1_210_000.0, 1_190_000.0],
                'handshake_openssl': [1_000_000.0] * 3},
    'uvloop SSL': {'handshake': [1_300_000.0] * 3}}}


def test_the_tls_handshake_is_reported_over_openssls_share():
    record = {'scripts': {'tls_instructions': TLS_FIGURES}}
    row = find(targets.rows(record), "OpenSSL's own share")
    assert row['issue'] == 45 and row['verdict'] == 'reported'
    assert row['measured'] == ("pyuvnet 1,200,000 = 1.20× OpenSSL's 1,000,000 (remainder "
                               '200,000); uvloop SSL: no share (tls_bench.py before 2026-11-26)')
    assert find(targets.rows({}), "OpenSSL's own share")['verdict'] == \
        'no figure: not run (needs --full --instructions)'


def test_the_proxy_is_held_to_the_c_proxy_on_instructions():
    record = {'scripts': {'proxy_instructions': {'rows': {
        'pingpong': {'pyuvnet': [1210.0, 1204.0, 1199.0], 'libuv': [696.0, 695.0, 692.0]},
        'stream': {'pyuvnet': [9000.0] * 3, 'libuv': [8500.0] * 3}}}}}
    rows = targets.rows(record)
    trip = find(rows, 'proxy callgrind instructions per 1 KiB round trip')
    assert trip['issue'] == 45 and trip['ratio'] == pytest.approx(1204 / 695, rel=1e-3)
    assert trip['verdict'] == 'missed by 56%'          # 1.73 / 1.11
    assert find(rows, 'proxy callgrind', '64 KiB')['verdict'] == 'met'   # 1.06x
    assert find(targets.rows({}), 'proxy callgrind', '64 KiB')['verdict'] == \
        'no figure: not run (needs --full --instructions)'
