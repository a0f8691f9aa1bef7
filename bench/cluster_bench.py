"""pyuvnet.cluster against Node's cluster: requests per second and CPU per
request, and the per-connection cost of the round-robin handoff (issue 15;
figures in bench/RESULTS-ARCHIVE.md, summary in docs/CLUSTER.md).

    nice -n 10 python bench/cluster_bench.py [--repeats 5] [--seconds 1] [--budget 240] [--json FILE]

Throughput: the echo server (bench/servers/pyuvnet_echo.py, node_echo.js;
bench/loadgen.c, 64-byte ping-pong over 50 connections) and the HTTP hello
server (bench/http_hello.py, node_http_hello.js; wrk, 50 keep-alive
connections), each as one process and as a 2-worker cluster
(bench/servers/pyuvnet_cluster.py, node_cluster.js) under SCHED_RR and
SCHED_NONE.

Handoff: connect, 1-byte echo, close, one connection at a time (loadgen
connrate, 1 slot), against a 1-worker cluster under each mode: the latency
RR adds over NONE, and the CPU the primary spends per connection.

CPU per request is user+system time from /proc/<pid>/stat of the primary
and of each worker over the measured run, divided by the requests served.
Every cell is run once per repeat, the cells interleaved, each with a
fresh server, a 2 s warm-up run (Node's JIT needs it on a loaded machine)
and then the measured run.  Nothing is pinned: the cluster is meant to
spread over the cores.  A repeat (16 cells) takes 80-110 s here; no
repeat starts once --budget seconds have passed, so the run ends within
about budget + one repeat.
"""
import argparse
import json
import os
import signal
import statistics
import sys
import time

from runner import build, http, load, procs, systems
from runner.procs import children
from runner.scenarios import Scenario

SERVERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'servers')
APPS = {  # app -> (pyuvnet script, node script)
    'echo': (os.path.join(SERVERS, 'pyuvnet_echo.py'), os.path.join(SERVERS, 'node_echo.js')),
    'http': (os.path.join(os.path.dirname(SERVERS), 'http_hello.py'),
             os.path.join(SERVERS, 'node_http_hello.js')),
}
ECHO = Scenario('pingpong', size=64, conns=50)
HTTP_CONNS = 50
HANDOFF = Scenario('connrate', conns=1)
WARMUP_SECONDS = 2.0
TICKS = os.sysconf('SC_CLK_TCK')


def server_argv(runtime, app, workers):
    """One process (workers 0) or a cluster of `workers`."""
    script = APPS[app][runtime == 'node']
    if runtime == 'node':
        node = systems.node(script)()[0]
        return [node, script] if not workers else [node, os.path.join(SERVERS, 'node_cluster.js'),
                                                   str(workers), script]
    return [sys.executable, script] if not workers else \
        [sys.executable, os.path.join(SERVERS, 'pyuvnet_cluster.py'), str(workers), script]


def cpu_seconds(pid):
    """user+system CPU seconds of `pid` so far."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def stop_cluster(server, workers):
    """SIGTERM the primary (the workers exit when their channel closes); a
    worker still there after 5 s is killed."""
    server.stop()
    deadline = time.monotonic() + 5
    for pid in workers:
        while os.path.exists('/proc/%d' % pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if os.path.exists('/proc/%d' % pid):
            os.kill(pid, signal.SIGKILL)


def load_once(app, mode, port, seconds, loadgen):
    """One load run; (requests served, result)."""
    if mode == 'handoff':
        result = load.run(loadgen, '127.0.0.1:%d' % port, HANDOFF, seconds, 0.0, None)
        return result['connections'], result
    if app == 'echo':
        result = load.run(loadgen, '127.0.0.1:%d' % port, ECHO, seconds, 0.0, None)
        return result['requests'], result
    result = http.run(port, HTTP_CONNS, seconds, None)
    return result['rps'] * result['duration_s'], result


def run_cell(cell, seconds, loadgen):
    """Start the cell's server, warm it up, measure; a dict of figures."""
    runtime, app, workers, policy, mode = cell
    env = systems.server_env()
    if policy:
        env['NODE_CLUSTER_SCHED_POLICY'] = policy
    server = procs.Server(server_argv(runtime, app, workers), None, env=env, ready_timeout=30)
    worker_pids = children(server.pid) if workers else []
    try:
        port = int(server.ready_line)
        load_once(app, mode, port, WARMUP_SECONDS, loadgen)
        pids = [server.pid] + worker_pids
        before = [cpu_seconds(pid) for pid in pids]
        requests, result = load_once(app, mode, port, seconds, loadgen)
        used = [cpu_seconds(pid) - b for pid, b in zip(pids, before)]
        server.check()
    finally:
        stop_cluster(server, worker_pids)
    figures = {'rate': requests / result['duration_s'], 'requests': requests,
               'p50_us': result['p50_us'], 'p99_us': result['p99_us'],
               'cpu_us_per_request': sum(used) / requests * 1e6}
    if workers:
        figures['primary_cpu_us_per_request'] = used[0] / requests * 1e6
        figures['worker_cpu_us_per_request'] = sum(used[1:]) / requests * 1e6
    return figures


def cells():
    """(runtime, app, workers, policy, mode): throughput, then handoff."""
    for app in ('echo', 'http'):
        for workers, policy in ((0, None), (2, 'rr'), (2, 'none')):
            for runtime in ('pyuvnet', 'node'):
                yield runtime, app, workers, policy, 'throughput'
    for policy in ('rr', 'none'):
        for runtime in ('pyuvnet', 'node'):
            yield runtime, 'echo', 1, policy, 'handoff'


def label(cell):
    runtime, app, workers, policy, mode = cell
    shape = '1 process' if not workers else '%d-worker %s' % (workers, policy.upper())
    return '%s %s %s %s' % (mode, app, runtime, shape)


def summary(values):
    return {'median': statistics.median(values), 'min': min(values), 'max': max(values),
            'values': values}


def print_table(table):
    print('%-40s %22s %7s %20s %8s' % ('cell (median of the repeats)', 'per second (min-max)',
                                      'p50 us', 'CPU us/req (min-max)', 'primary'))
    for name, figures in table.items():
        rate, cpu = figures['rate'], figures['cpu_us_per_request']
        primary = figures.get('primary_cpu_us_per_request')
        print('%-40s %7.0f (%6.0f-%6.0f) %7.0f %6.1f (%5.1f-%5.1f) %8s' % (
            name, rate['median'], rate['min'], rate['max'], figures['p50_us']['median'],
            cpu['median'], cpu['min'], cpu['max'], '%.1f' % primary['median'] if primary else '-'))


def print_projection(table):
    """Per-core figures turned into what an N-core host could serve."""
    print('\nprojection (CPU-bound, one worker per core, load from elsewhere):')
    for name, figures in table.items():
        if 'worker_cpu_us_per_request' not in figures:
            continue
        worker = figures['worker_cpu_us_per_request']['median']
        primary = figures['primary_cpu_us_per_request']['median']
        if name.startswith('handoff'):
            if primary:
                print('  %-38s the primary caps new connections at %6.0f/s (1 / %.0f us)'
                      % (name, 1e6 / primary, primary))
            continue
        print('  %-38s %6.0f req/s per worker core; 16 cores: %8.0f req/s' % (
            name, 1e6 / worker, 16e6 / worker))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--seconds', type=float, default=1.0, help='each measured run')
    parser.add_argument('--budget', type=float, default=240.0,
                        help='start no repeat after this many seconds')
    parser.add_argument('--json', help='write every figure to this file')
    options = parser.parse_args()
    missing = http.wrk_missing()
    if missing:
        raise SystemExit('cluster_bench: ' + missing)
    loadgen = build.loadgen()
    runs = {label(cell): [] for cell in cells()}
    started, load_at_start = time.monotonic(), os.getloadavg()
    for repeat in range(options.repeats):
        if repeat and time.monotonic() - started > options.budget:
            print('budget used: %d repeats' % repeat, file=sys.stderr)
            break
        for cell in cells():
            runs[label(cell)].append(run_cell(cell, options.seconds, loadgen))
        print('repeat %d of %d done (%.0f s)' % (repeat + 1, options.repeats,
                                                 time.monotonic() - started), file=sys.stderr)
    repeats = len(next(iter(runs.values())))
    table = {name: {key: summary([run[key] for run in figures]) for key in figures[0]}
             for name, figures in runs.items()}
    print_table(table)
    print_projection(table)
    if options.json:
        with open(options.json, 'w') as f:
            json.dump({'date': time.strftime('%Y-%m-%d'), 'loadavg_start': load_at_start,
                       'loadavg_end': os.getloadavg(),
                       'cpus': os.cpu_count(), 'repeats': repeats,
                       'seconds': options.seconds, 'cells': table}, f, indent=1)


if __name__ == '__main__':
    main()
