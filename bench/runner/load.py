"""Driving the C load generator."""
from __future__ import annotations

import json
import subprocess
import time

from .procs import pinned, process_tree, readable_within, tail
from .scenarios import PIPELINE_DEPTH, Scenario

SLACK = 30.0          # beyond warm-up + duration: connection setup and drain,
SLACK_PER_CONN = 0.002  # and more with many connections (loadgen.h's timeouts)
IDLE_SETUP = 60.0     # time allowed to open the idle connections
IDLE_SETTLE = 0.3     # then let the server finish its bookkeeping before RSS


class RunError(Exception):
    """A load run failed (mismatch, refused, closed...); the message says how."""


def argv_for(loadgen, target, scenario, seconds, warmup=0.0, requests=None, server_pid=None,
             rate=None, path=None):
    argv = [str(loadgen), '--mode', scenario.mode, '--conns', str(scenario.conns),
            '--size', str(scenario.size), '--warmup', f'{warmup:g}', '--duration', f'{seconds:g}']
    if rate:
        argv += ['--rate', f'{rate:g}']  # an open loop (bench/latency.py)
    if scenario.variant == 'pipeline':
        argv += ['--pipeline', str(PIPELINE_DEPTH)]
    if requests:
        argv += ['--requests', str(requests)]
    if path:
        argv += ['--path', path]  # http: the request's target
    for pid in process_tree(server_pid) if server_pid else ():  # a cluster's workers too
        argv += ['--server-pid', str(pid)]
    return argv + [target]


def operations(result):
    """What the load generator measured in its window: round trips,
    connections, or (stream) writes of its size."""
    if 'requests' in result:
        return result['requests']
    if 'connections' in result:
        return result['connections']
    return result['bytes'] / result['size']


# /proc/PID/stat counts CPU time in clock ticks (10 ms): below this much, a
# run's CPU time is too coarse to divide (a tick more or less is >10%).
MIN_CPU_SECONDS = 0.1


def with_cpu_per_op(result, operations):
    """``result`` with cpu_us: the server's user+system CPU microseconds per
    operation, when its CPU time was measured and is not too coarse."""
    if 'server_user_s' not in result or not operations:
        return result
    cpu = result['server_user_s'] + result['server_sys_s']
    if cpu < MIN_CPU_SECONDS:
        return result
    return {**result, 'cpu_us': cpu * 1e6 / operations}


def parse(stdout, returncode, stderr):
    """The load generator's JSON line; RunError unless it reports success."""
    lines = stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise RunError(f'load generator exited with status {returncode} and no result: '
                       f'{tail(stderr)}') from None
    if returncode != 0 or not result.get('ok'):
        raise RunError(result.get('error') or f'load generator exited with status {returncode}')
    return result


def run(loadgen, target, scenario, seconds, warmup, cpu, requests=None, server_pid=None,
        rate=None, path=None):
    """One load run; its JSON result (with cpu_us given ``server_pid``: that
    process and its descendants, a cluster's workers); with ``rate``, an
    open loop at that many requests/s; ``path``: http's request target."""
    timeout = warmup + seconds + SLACK + SLACK_PER_CONN * scenario.conns
    argv = argv_for(loadgen, target, scenario, seconds, warmup, requests, server_pid, rate, path)
    try:
        proc = subprocess.run(pinned(argv, cpu), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RunError(f'load generator still running after {timeout:.0f} s') from None
    result = parse(proc.stdout, proc.returncode, proc.stderr)
    done = operations(result)
    if not done:
        raise RunError(f'nothing completed in the {seconds:g} s measured window')
    return with_cpu_per_op(result, done)


def idle_memory(loadgen, server, target, conns, cpu):
    """Server RSS growth while ``conns`` idle connections are held open."""
    # Warm up first, so allocations made once (the first connection, code
    # paths run the first time) are not charged to the idle connections.
    run(loadgen, target, Scenario('pingpong', size=64, conns=10), 0.2, 0.0, cpu)
    before = server.rss_kib()
    argv = argv_for(loadgen, target, Scenario('idle', conns=conns), IDLE_SETUP)
    with subprocess.Popen(pinned(argv, cpu), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        try:
            ready = readable_within(proc.stdout, IDLE_SETUP)
            line = proc.stdout.readline() if ready else ''
            if line:
                time.sleep(IDLE_SETTLE)
                server.check()
                after = server.rss_kib()
        finally:
            proc.stdin.close()  # ends the hold
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        result = parse(line, proc.returncode, proc.stderr.read())
    return {**result, 'rss_before_kib': before, 'rss_after_kib': after,
            'kib_per_conn': (after - before) / conns}
