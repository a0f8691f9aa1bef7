"""The issues' targets as ratios measured in one run: met, or missed by how much.

Pure functions over a run's record (the dict ``report.save`` writes, with
the stand-alone scripts' figures under ``scripts``, see scripts.py): the
report at the end of a run, the one saved in its JSON, and the first table
of ``--markdown`` all come from ``rows(record)``.

Ratios are ratios.py's: per repeat pair, their median and range. CPU is the server's *user* time
per operation over the operations of the run: ``server_user_sampled_s``
where the load generator could sample it (every 100 us of the server's CPU
time, loadgen_usercpu.c), else ``server_user_s`` (/proc, split by the
scheduler's tick), from runs whose server used at least 0.1 s of CPU
(``cpu_us`` present). A
target is met when the median ratio is within its bound; "missed by N%"
says how far, relative to the bound. What could not be measured gives a
row that says "no figure: why", never an error.
"""
from __future__ import annotations

import statistics

from . import latency_tables
from .ratios import (Ratio, cells, compare, figure, p99, pair_row, ratio_of, ratio_text, row,
                     throughput, user_us)
from .scenarios import HTTP_VARIANTS, Scenario
from .systems import echo_name

CLIENT_SATURATED = 0.9  # the client's CPU over its run: its one thread was (nearly) a core
CLIENT_LEVEL = 0.05     # two servers within 5% of each other's requests/s
# What a cell lacks when its runs give no figure (compare()'s reason).
USER_CPU = 'user CPU figure (a run whose server used under 0.1 s of CPU gives none)'
P99 = 'p99 (the runs recorded none)'


# -- issue 25: net ---------------------------------------------------------

ECHO_CPU = ((Scenario('pingpong', 'tcp', 1024, 10), '1 KiB round trip, 10 conns', 0.5),
            (Scenario('connrate', 'tcp', 1, 10), 'TCP connect + 1-byte echo + close', 0.6),
            (Scenario('connrate', 'unix', 1, 10), 'unix connect + echo + close', 0.6),
            (Scenario('stream', 'tcp', 65536, 10), '64 KiB streamed, 10 conns', 1.0))
PROXIES = (Scenario('pingpong', 'tcp', 1024, 10, 'proxy'),
           Scenario('stream', 'tcp', 65536, 10, 'proxy'))
# The cells above are compared on the server's user CPU, which /proc counts
# in 10 ms ticks (the load generator's sampled figure, when it has one, is
# finer: loadgen_usercpu.c); an echo server's user time is a few percent of
# a core, so a 0.4 s run gave it 0 to 7 ticks, too few to divide.  The runner measures
# these cells, and every HTTP cell (the targets of issue 26 read each one's
# user CPU), for at least USER_CPU_SECONDS (some tens of ticks).
USER_CPU_SCENARIOS = frozenset([scenario for scenario, _, _ in ECHO_CPU] + list(PROXIES))
USER_CPU_SECONDS = 3.0
CALLGRIND = 'callgrind instructions'


# Issue 45: the same cells, the headline server ('pyuvnet', a Python
# callback per read) held to tighter bounds, and the idiom and pipe(), which
# echo in C, to theirs per round trip.
ECHO_CPU_45 = ((ECHO_CPU[0][0], ECHO_CPU[0][1], 0.45), (ECHO_CPU[1][0], ECHO_CPU[1][1], 0.5),
               (ECHO_CPU[2][0], ECHO_CPU[2][1], 0.5), (ECHO_CPU[3][0], ECHO_CPU[3][1], 0.5))
IN_C = (('pyuvnet-idiom', 0.4), ('pyuvnet-pipe', 0.4))


# A default run (no --verdicts, no --full) measures the echo cells the
# targets read for less than USER_CPU_SECONDS: too few ticks for a verdict.
SHORT_CELLS = f'not measured (a default run; --verdicts runs the cells {USER_CPU_SECONDS:g} s)'


def short_cells(record):
    """True for a run whose echo cells ran shorter than the targets need
    (its settings' user_cpu_seconds; records without it predate the
    lengthened cells, whose runs the rows judge as they are)."""
    seconds = (record.get('settings') or {}).get('user_cpu_seconds')
    return seconds is not None and seconds < USER_CPU_SECONDS


def echo_cpu_row(issue, table, scenario, title, bound, mine='pyuvnet', short=False):
    target = (f'{title}: server user CPU per {scenario.operation}, {mine} / uvloop-protocol '
              f'≤ {bound:g}×')
    if short:
        return row(issue, target, why=SHORT_CELLS)
    c_ratio, _ = compare(table, scenario, mine, 'libuv', user_us, USER_CPU)
    return pair_row(
        issue, target, table, scenario, mine, 'uvloop-protocol', user_us,
        USER_CPU, 'µs', bound, versus_c=f'{ratio_text(c_ratio)} libuv' if c_ratio else '–')


def echo_rows(table, short=False):
    out = [echo_cpu_row(25, table, scenario, title, bound, short=short)
           for scenario, title, bound in ECHO_CPU]
    stream = ECHO_CPU[-1][0]
    out.append(pair_row(25, '64 KiB streamed, 10 conns: throughput, pyuvnet / libuv ≥ 0.95×',
                        table, stream, 'pyuvnet', 'libuv', throughput(stream), 'MiB/s',
                        'MiB/s', 0.95, higher=True))
    return out


def echo_rows_45(table, short=False):
    out = [echo_cpu_row(45, table, scenario, title, bound, short=short)
           for scenario, title, bound in ECHO_CPU_45]
    scenario, title, _ = ECHO_CPU[0]
    return out + [echo_cpu_row(45, table, scenario, title, bound, mine, short)
                  for mine, bound in IN_C]


def proxy_rows(table):
    if not any(sc.family == 'proxy' for sc, _ in table):
        # A run without --full has no proxy cells: not a system that failed.
        return [row(25, f'{sc.title}: the proxy targets', why='not run (needs --full)')
                for sc in PROXIES]
    out = []
    for sc in PROXIES:
        name = sc.title
        out += [pair_row(25, f'{name}: throughput, pyuvnet-proxy / libuv-proxy ≥ 0.9×', table,
                         sc, 'pyuvnet-proxy', 'libuv-proxy', throughput(sc), sc.unit, sc.unit,
                         0.9, higher=True),
                pair_row(25, f'{name}: server user CPU per {sc.operation}, pyuvnet-proxy / '
                             "libuv-proxy ≤ 1.11× (\"≥ 0.9× the C proxy's CPU\" read as "
                             'CPU efficiency ≥ 0.9×)', table, sc, 'pyuvnet-proxy',
                         'libuv-proxy', user_us, USER_CPU, 'µs', 1 / 0.9),
                pair_row(25, f'{name}: throughput, pyuvnet-proxy / node-proxy ≥ 2×', table, sc,
                         'pyuvnet-proxy', 'node-proxy', throughput(sc), sc.unit, sc.unit, 2.0,
                         higher=True)]
    return out


def absolute_row(issue, target, counts, bound, unit, versus_c='–'):
    """A count against a fixed bound (its rounds' median and range)."""
    ratio = ratio_of(counts, [bound] * len(counts))
    rounds = f"{len(counts)} round{'s' if len(counts) > 1 else ''}"
    measured = ratio and (f'{statistics.median(counts):,.0f} {unit} ({min(counts):,.0f}–'
                          f'{max(counts):,.0f}, {rounds}) = {ratio.median:.2f}× the target')
    return row(issue, target, measured, versus_c, ratio, 1.0, why=f'no count {unit}')


def script(record, key, flags):
    """(a script step's figures, None) or (None, why there are none)."""
    found = record.get('scripts', {}).get(key)
    if found is None:
        return None, f'not run (needs {flags})'
    return (None, found['failed']) if 'failed' in found else (found, None)


def callgrind_rows(record):
    conn, why = script(record, 'conn_instructions', '--full --instructions')
    per_conn = f'{CALLGRIND} per TCP connection (conn_instructions.py) ≤ 15,000'
    per_msg = f'{CALLGRIND} per 1 KiB message (conn_instructions.py --messages) ≤ 2,000'
    if why:
        return [row(25, per_conn, why=why), row(25, per_msg, why=why)]
    runner = record.get('instructions') or {}
    counts = {echo_name(record, name): e['instr_per_msg'] for name, e in runner.items()
              if isinstance(e, dict)}
    versus = '; '.join(f'{counts["pyuvnet"] / counts[ref]:.2f}× {ref}'
                       for ref in ('uvloop-protocol', 'libuv')
                       if counts.get('pyuvnet') and counts.get(ref))
    messages = conn.get('messages')
    return [absolute_row(25, per_conn, conn.get('tcp', {}).get('rounds', []), 15000,
                         'per connection'),
            absolute_row(25, per_msg, messages['rounds'][-3:] if messages else [], 2000,
                         'per message', f"runner's count: {versus}" if versus else '–')]


# Issue 45 on callgrind's counts (conn_instructions.py, each server's own
# step; ``uvloop`` is uvloop's Protocol echo under the same rounds): the
# callback server's cells against uvloop's, and the servers that echo in C
# per 1 KiB message.  (key in the step's JSON, what, the cell's rounds.)
CALLGRIND_CELLS_45 = (
    ('messages', 'per 1 KiB message', lambda f: f['rounds'][-3:]),
    ('tcp', 'per TCP connection', lambda f: f['rounds']),
    ('unix', 'per unix connection', lambda f: f['rounds']),
    ('stream', 'per 64 KiB streamed', lambda f: f['rounds']))
CALLGRIND_45 = ((('conn_instructions', 'pyuvnet (callback)'), 'messages', 0.45),
                (('conn_instructions', 'pyuvnet (callback)'), 'tcp', 0.5),
                (('conn_instructions', 'pyuvnet (callback)'), 'unix', 0.5),
                (('conn_instructions', 'pyuvnet (callback)'), 'stream', 0.5),
                (('conn_instructions_idiom', 'pyuvnet-idiom'), 'messages', 0.4),
                (('conn_instructions_pipe', 'pyuvnet-pipe'), 'messages', 0.4))


def callgrind_rows_45(record):
    """Issue 45: each server's count over uvloop's, cell by cell, with
    the counts and their rounds' ranges."""
    cells = {key: (what, rounds) for key, what, rounds in CALLGRIND_CELLS_45}
    theirs, why_theirs = script(record, 'conn_instructions_uvloop', '--full --instructions')
    out = []
    for (step, name), key, bound in CALLGRIND_45:
        what, rounds = cells[key]
        target = f'{CALLGRIND} {what}, {name} / uvloop-protocol ≤ {bound:g}×'
        mine, why = script(record, step, '--full --instructions')
        why = why or why_theirs
        if not why and not (mine.get(key) and theirs.get(key)):
            why = f'no {key} count'
        if why:
            out.append(row(45, target, why=why))
            continue
        a, b = rounds(mine[key]), rounds(theirs[key])
        ratio = ratio_of(a, b)
        measured = (f'{ratio_text(ratio)}; {statistics.median(a):,.0f} '
                    f'({min(a):,.0f}–{max(a):,.0f}) against {statistics.median(b):,.0f} '
                    f'({min(b):,.0f}–{max(b):,.0f})')
        out.append(row(45, target, measured, '–', ratio, bound))
    return out


def tls_rows(record):
    tls, why = script(record, 'tls', '--full')
    specs = (('cpu_hs', 'uvloop SSL', 'TLS handshake: server CPU (user+system) per handshake, '
              'pyuvnet / uvloop SSL ≤ 0.9×', 'µs', 0.9, False, False),
             ('cpu_mib', 'uvloop SSL', 'TLS echo: server CPU (user+system) per MiB echoed, '
              'pyuvnet / uvloop SSL ≤ 0.9×', 'ms', 0.9, False, False),
             ('hs', 'uvloop SSL', 'TLS handshakes/s, pyuvnet / uvloop SSL > 1×', '/s', 1.0,
              True, True),
             ('hs', 'Node tls', 'TLS handshakes/s, pyuvnet / Node tls > 1×', '/s', 1.0, True, True))
    out = []
    for key, ref, target, unit, bound, higher, strict in specs:
        out.append(side_row(tls, why, lambda d, n, key=key: d.get('repeats', {}).get(n, {})
                            .get(key), ref, target, unit, bound, higher, strict))
    counts, why = script(record, 'tls_instructions', '--full --instructions')
    for key, what in (('handshake', 'per handshake'), ('MiB', 'per MiB echoed')):
        out.append(side_row(counts, why, lambda d, n, key=key: d.get('instructions', {})
                            .get(n, {}).get(key), 'uvloop SSL',
                            f'TLS {CALLGRIND} {what}, pyuvnet / uvloop SSL ≤ 0.9× (the CPU '
                            'target, on instructions)', '', 0.9, False, False))
    return out


def side_row(figures, why, pick, ref, target, unit, bound, higher, strict, mine='pyuvnet',
             issue=25):
    """A row comparing two systems' figures in a script's output."""
    if why:
        return row(issue, target, why=why)
    missing = figures.get('missing', {})
    for name in (mine, ref):
        if not pick(figures, name):
            error = figures.get('systems', {}).get(name, {}).get('error')
            return row(issue, target, why=f"{name}: {missing.get(name) or error or 'no figures'}")
    ratio = ratio_of(pick(figures, mine), pick(figures, ref))
    measured = ratio and (f'{ratio_text(ratio)}; {mine} {figure(ratio.mine, unit)}, '
                          f'{ref} {figure(ratio.theirs, unit)}')
    return row(issue, target, measured, ratio=ratio, bound=bound, higher=higher, strict=strict,
               why='no figures')


# -- issue 26: http --------------------------------------------------------

HTTP_MINE = 'pyuvnet-http-module'
HTTP_REFS = (('node-http-module', 0.33), ('uvloop-httptools', 0.8), ('uvicorn-asgi', 0.5))


def client_cpu(run):
    """The client's CPU seconds in a run, or None (runs saved before
    2026-11-25's afternoon called wrk's wrk_cpu_s)."""
    return run.get('client_cpu_s', run.get('wrk_cpu_s'))


def client_note(table, scenario, ratio, theirs):
    """Says when the client (wrk or the load generator), not the servers,
    was the bound: its one thread used (nearly) all of its core against
    both servers.  Then requests/s is one over the client's own CPU per
    request, which the note gives for each server: a server can make the
    client's kernel work dearer (an idle server is woken, at the client's
    expense, for every connection and request) and so lose requests/s
    while it spends less CPU itself."""
    if ratio is None:
        return ''
    client = scenario.client
    shares, costs = [], []
    for name in (HTTP_MINE, theirs):
        runs = [r for r in table[(scenario, name)]['runs'] if client_cpu(r) is not None]
        if not runs:
            level = abs(ratio.median - 1) <= CLIENT_LEVEL
            return f'; {client} on one core (its CPU not recorded)' if level else ''
        shares.append(statistics.median(client_cpu(r) / r['duration_s'] for r in runs))
        costs.append(statistics.median(client_cpu(r) / r['requests'] * 1e6 for r in runs))
    if min(shares) < CLIENT_SATURATED:
        return ''
    return (f"; {client} was the bound (its one thread at {min(shares) * 100:.0f}% CPU; its "
            f"CPU per request {costs[0]:.1f} µs against {HTTP_MINE}, {costs[1]:.1f} µs against "
            f"{theirs})")


def http_rows(record, table):
    # The FastAPI cell is issue 43's alone (only the ASGI servers serve it).
    scenarios = [sc for sc, _ in table if sc.family == 'http' and sc.variant != 'fastapi']
    if not scenarios:
        return [row(26, 'HTTP cells', why='not run (needs --http, every cell with --full)')]
    out = []
    for sc in dict.fromkeys(scenarios):
        name = f'{sc.conns} conns, {HTTP_VARIANTS[sc.variant]}'
        for ref, bound in HTTP_REFS:
            out.append(pair_row(26, f'HTTP {name}: server user CPU per request, {HTTP_MINE} / '
                                    f'{ref} ≤ {bound:g}×', table, sc, HTTP_MINE, ref, user_us,
                                USER_CPU, 'µs', bound))
            ratio, _ = compare(table, sc, HTTP_MINE, ref, throughput(sc), 'req/s')
            out.append(pair_row(26, f'HTTP {name}: req/s, {HTTP_MINE} / {ref} ≥ 1×', table, sc,
                                HTTP_MINE, ref, throughput(sc), 'req/s', 'req/s', 1.0,
                                higher=True, note=client_note(table, sc, ratio, ref)))
            out.append(pair_row(26, f'HTTP {name}: p99, {HTTP_MINE} / {ref} < 1×', table, sc,
                                HTTP_MINE, ref, p99, P99, 'µs', 1.0, strict=True))
    for key, mix in (('pipeline1', 'pipeline 1'), ('pipeline16', 'pipeline 16'),
                     ('close', 'Connection: close')):
        counts, why = script(record, f'http_instructions_{key}', '--full --instructions')
        for ref, bound in HTTP_REFS[:2]:
            target = (f'HTTP {CALLGRIND} per request, 50 conns, {mix}: {HTTP_MINE} / '
                      f'{ref} ≤ {bound:g}× (the user-CPU target, on instructions)')
            out.append(side_row(counts, why, lambda d, n: d.get('systems', {}).get(n, {})
                                .get('rounds'), ref, target, '', bound, False, False,
                                HTTP_MINE, issue=26))
    return out


# -- issue 43: the Python web servers --------------------------------------

# (mine, theirs, CPU bound, req/s bound): the ASGI hello at 0.5x the best
# other ASGI server's user CPU (each of them, then) and 1.3x its requests/s;
# the WSGI hello at 0.9x fastpysgi's WSGI and level requests/s.  The upload
# has no bound of its own in the issue: it is held to the hello's.
WEB_PAIRS = (('pyuvnet-asgi', 'fastpysgi-asgi', 0.5, 1.3),
             ('pyuvnet-asgi', 'granian-asgi', 0.5, 1.3),
             ('pyuvnet-asgi', 'uvicorn-asgi', 0.5, 1.3),
             ('pyuvnet-wsgi', 'fastpysgi-wsgi', 0.9, 1.0))
FASTAPI = Scenario('http', conns=50, variant='fastapi')
FASTAPI_SHARE = 0.3


def web_rows(record, table):
    if (FASTAPI, 'pyuvnet-asgi') not in table:
        return [row(43, 'the Python web servers\' cells', why='not run (needs --asgi or --full)')]
    out = []
    for sc in (Scenario('http', conns=50), Scenario('http', conns=500),
               Scenario('http', conns=50, variant='post')):
        name = f'{sc.conns} conns, {HTTP_VARIANTS[sc.variant]}'
        for mine, theirs, cpu_bound, rps_bound in WEB_PAIRS:
            out.append(pair_row(43, f'{name}: server user CPU per request, {mine} / {theirs} '
                                    f'≤ {cpu_bound:g}×', table, sc, mine, theirs, user_us,
                                USER_CPU, 'µs', cpu_bound))
            out.append(pair_row(43, f'{name}: req/s, {mine} / {theirs} ≥ {rps_bound:g}×', table,
                                sc, mine, theirs, throughput(sc), 'req/s', 'req/s', rps_bound,
                                higher=True))
    return out + [fastapi_share_row(record)]


def round_shares(figures, name):
    """A server's share in each of share.py's rounds: its user CPU per
    request less the app's in the same round (None: no figure)."""
    out = []
    for r in figures.get('rounds', []):
        us, app = r.get('servers', {}).get(name, {}).get('user_us'), r.get('app_us')
        out.append(None if us is None or app is None else us - app)
    return out


def spread_text(values, unit='µs'):
    values = [v for v in values if v is not None]
    return (f'{figure(statistics.median(values), unit)} ({min(values):.1f}–{max(values):.1f})'
            if values else 'no figure')


def fastapi_share_row(record):
    """The server's share of a FastAPI request, pyuvnet-asgi / uvicorn-asgi:
    per round of share.py (each server and the app in process interleaved
    in the same seconds), the ratio of the two shares; their median."""
    target = (f'FastAPI JSON endpoint, 50 conns: server share of user CPU per request '
              f'(minus FastAPI in process, in the same seconds), pyuvnet-asgi / uvicorn-asgi '
              f'≤ {FASTAPI_SHARE:g}×')
    figures, why = script(record, 'fastapi_share', '--asgi or --full')
    if why and 'fastapi_cost' in record.get('scripts', {}):
        why = ('this record has only fastapi_cost.py\'s rounds, run apart from the cells: not '
               'a measure on this VM (docs/BENCHMARKS.md)')
    if why:
        return row(43, target, why=why)
    mine, theirs = round_shares(figures, 'pyuvnet-asgi'), round_shares(figures, 'uvicorn-asgi')
    # A round where uvicorn's share is not above 0 has no ratio (its sign
    # would turn the verdict): left out, and counted in the row.
    unusable = sum(1 for t in theirs if t is not None and t <= 0)
    theirs = [t if t is not None and t > 0 else None for t in theirs]
    ratio = ratio_of(mine, theirs)
    apps = [r['app_us'] for r in figures['rounds'] if r.get('app_us') is not None]
    steps = [r['app_step_max'] for r in figures['rounds'] if 'app_step_max' in r]
    measured = ratio and (
        f'{ratio_text(ratio)}; share pyuvnet-asgi {spread_text(mine)}, uvicorn-asgi '
        f'{spread_text(theirs)}, FastAPI in process {spread_text(apps)} in the same rounds; '
        f'{len(figures["rounds"])} rounds of {figures["slice_s"]:g} s slices, consecutive app '
        f'slices apart by {statistics.median(steps) * 100:.0f}% (largest per round, median; '
        f'{max(steps) * 100:.0f}% at most)' +
        (f'; {unusable} rounds with uvicorn\'s share ≤ 0 left out' if unusable else ''))
    return row(43, target, measured, ratio=ratio, bound=FASTAPI_SHARE,
               why=figures.get('failed') or 'no round with both shares')


# -- issue 44: WebSocket ---------------------------------------------------

WS_MINE = 'pyuvnet.ws'


def ws_rows(record):
    """ws_bench.py's 1 KiB echo (50 connections) against ws v8 and
    websockets, and its callgrind count per message beside ws v8's."""
    echo, why = script(record, 'ws', '--full')
    if echo is not None and 'systems' not in echo:
        echo, why = None, 'ws_bench.py wrote no systems (an older script)'

    def pick(key, size='1024'):
        return lambda d, n: d.get('systems', {}).get(n, {}).get(size, {}).get(key)
    out = [side_row(echo, why, pick('cpu'), 'ws v8 (Node)', 'WebSocket 1 KiB echo, 50 conns: '
                    f'server user CPU per message, {WS_MINE} / ws v8 ≤ 0.5×', 'µs', 0.5, False,
                    False, WS_MINE, 44),
           side_row(echo, why, pick('rate'), 'ws v8 (Node)', 'WebSocket 1 KiB echo, 50 conns: '
                    f'messages/s, {WS_MINE} / ws v8 ≥ 1.5×', '/s', 1.5, True, False, WS_MINE, 44),
           side_row(echo, why, pick('cpu'), 'websockets', 'WebSocket 1 KiB echo, 50 conns: '
                    f'server user CPU per message, {WS_MINE} / websockets ≤ 0.3×', 'µs', 0.3,
                    False, False, WS_MINE, 44)]
    counts, why = script(record, 'ws_instructions', '--full --instructions')
    out.append(side_row(counts, why, lambda d, n: d.get('instructions', {}).get(n, {})
                        .get('rounds'), 'ws v8 (Node)', f'WebSocket {CALLGRIND} per message '
                        f'(1 KiB echo, 10 conns): {WS_MINE} / ws v8 ≤ 0.5× (the CPU target, on '
                        'instructions)', '', 0.5, False, False, WS_MINE, 44))
    return out


# -- issue 56: the DNS resolver -------------------------------------------------

DNS_MINE = 'pyuvnet.dns'


def dns_rows(record):
    """dns_resolve.py's resolve4 against a local responder: the client's
    CPU per question beside Node's resolver (issue 56's bound) and aiodns
    (reported beside it: the issue sets no bound)."""
    figures, why = script(record, 'dns', '--full')
    cpu = lambda d, n: d.get('systems', {}).get(n, {}).get('cpu')  # noqa: E731
    target = ('resolve4 against a local authoritative server: client CPU per question, '
              f'{DNS_MINE} / {{}}')
    out = [side_row(figures, why, cpu, 'Node dns', target.format('Node dns ≤ 0.5×'), 'µs',
                    0.5, False, False, DNS_MINE, 56)]
    beside = target.format('aiodns (reported: no bound)')
    ratio = None if why else ratio_of(cpu(figures, DNS_MINE) or [], cpu(figures, 'aiodns') or [])
    if ratio is None:
        return out + [row(56, beside, why=why or figures.get('missing', {}).get('aiodns')
                          or 'no figures')]
    return out + [{'issue': 56, 'target': beside, 'measured': f'{ratio_text(ratio)}; {DNS_MINE} '
                   f"{figure(ratio.mine, 'µs')}, aiodns {figure(ratio.theirs, 'µs')}",
                   'versus_c': '–', 'verdict': 'reported', 'ratio': None, 'met': None}]


# -- issue 45: latency at equal load, the TLS handshake's floor ----------------

def latency_rows(record):
    """Per cell and rate (latency.py's figures), pyuvnet's pooled p99 over
    the lowest of the other Python servers' (latency_tables.verdict_ratio),
    with the paired bootstrap's 95% interval; met when under 1×."""
    latency, why = script(record, 'latency', '--full, or --latency FILE with --markdown')
    out = []
    for cell, mine in latency_tables.MINE.items():
        target = (f'Latency at equal load, {latency_tables.TITLES[cell]}: pooled p99 at {{}} of '
                  f"the slowest server's saturation, {mine} / the lowest other Python server < 1×")
        figures = (latency or {}).get(cell)
        if figures is None:
            out += [row(45, target.format(share), why=why or f'no {cell} cell')
                    for share in ('50%', '80%')]
            continue
        for share, by_name in figures['windows'].items():
            text = target.format(f"{float(share):.0%} ({figures['rates'][share]:,} req/s)")
            found = latency_tables.verdict_ratio(cell, by_name)
            if found is None:
                out.append(row(45, text, why=f'{mine} or every other Python server missing'))
                continue
            low, high = found['ci95'] or (found['ratio'], found['ratio'])
            ratio = Ratio(found['ratio'], low, high, found['mine_us'], found['best_us'], True,
                          found['ci95'])
            undecided = '; the interval spans 1×' if low < 1 <= high else ''
            measured = (f"{found['ratio']:.2f}× (95% CI {low:.2f}–{high:.2f}, paired bootstrap "
                        f"over {found['rotations']} rotations{undecided}); {mine} "
                        f"{figure(found['mine_us'], 'µs')}, {found['best']} "
                        f"{figure(found['best_us'], 'µs')}")
            out.append(row(45, text, measured, ratio=ratio, bound=1.0, strict=True))
    return out


def proxy_instruction_rows(record):
    """pipe()'s proxy against the C one on callgrind instructions
    (proxy_instructions.py): issue 25's CPU bound (≤ 1.11×) per round trip
    and per 64 KiB, on the count that does not move with the machine."""
    counts, why = script(record, 'proxy_instructions', '--full --instructions')
    return [side_row(counts, why, lambda d, n, key=key: d.get('rows', {}).get(key, {}).get(n),
                     'libuv', f'proxy {CALLGRIND} per {what}, pyuvnet / libuv (C) ≤ 1.11× (the '
                     'user-CPU target, on instructions)', '', 1 / 0.9, False, False, issue=45)
            for key, what in (('pingpong', '1 KiB round trip'), ('stream', '64 KiB echoed'))]


def tls_floor_rows(record):
    """The TLS handshake's callgrind instructions over OpenSSL's own share of
    the same run (tls_bench.py --instructions; its floor), pyuvnet's beside
    uvloop's: a report, with no bound in the issue."""
    counts, why = script(record, 'tls_instructions', '--full --instructions')
    target = ("TLS handshake: callgrind instructions per handshake over OpenSSL's own share "
              '(libssl, libcrypto) of the same run, its floor (reported: no bound)')
    if why:
        return [row(45, target, why=why)]
    parts = []
    for name in ('pyuvnet', 'uvloop SSL'):
        figures = counts.get('instructions', {}).get(name, {})
        total, floor = figures.get('handshake'), figures.get('handshake_openssl')
        if not total or not floor:
            parts.append(f'{name}: no share (tls_bench.py before 2026-11-26)' if total else
                         f"{name}: {counts.get('missing', {}).get(name, 'no figures')}")
            continue
        total, floor = statistics.median(total), statistics.median(floor)
        parts.append(f'{name} {total:,.0f} = {total / floor:.2f}× OpenSSL\'s {floor:,.0f} '
                     f'(remainder {total - floor:,.0f})')
    return [{'issue': 45, 'target': target, 'measured': '; '.join(parts), 'versus_c': '–',
             'verdict': 'reported', 'ratio': None, 'met': None}]


def rows(record):
    """Every target's row, by issue: 25's, 26's, 43's, 44's, 45's, then 56's."""
    table = cells(record)
    short = short_cells(record)
    return [*echo_rows(table, short), *proxy_rows(table), *callgrind_rows(record),
            *tls_rows(record), *http_rows(record, table), *web_rows(record, table),
            *ws_rows(record), *echo_rows_45(table, short), *callgrind_rows_45(record),
            *proxy_instruction_rows(record),
            *tls_floor_rows(record),
            *latency_rows(record), *dns_rows(record)]
